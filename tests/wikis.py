"""Real MediaWiki wikis for the integration tests, started by the project's own script."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from officeactions.enforcement.registry import WikiConfig, load_registry
from officeactions.enforcement.wiki import WikiAccount, WikiClient

ROOT = Path(__file__).resolve().parent.parent
MEDIAWIKI = Path("/usr/share/mediawiki/maintenance/install.php")


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI never skips the wiki integration tests.")
    pytest.skip(f"SKIPPED (no real wiki): {reason}. Run scripts/wiki install.")


class Farm:
    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory, self.env = directory, env
        self.registry_path = directory / "wikis.json"
        self.wikis: dict[str, WikiConfig] = load_registry(self.registry_path)
        raw = __import__("json").loads(self.registry_path.read_text())["wikis"]
        self.rogue = {w["dbname"]: WikiAccount(**w["rogue"]) for w in raw}

    def office(self, dbname: str) -> WikiClient:
        wiki = self.wikis[dbname]
        return WikiClient(wiki.api_url, wiki.office)

    def rogue_client(self, dbname: str) -> WikiClient:
        return WikiClient(self.wikis[dbname].api_url, self.rogue[dbname])

    def create_account(self, dbname: str, name: str) -> None:
        with self.office(dbname) as client:
            client.create_account(name, "Pw-" + secrets.token_hex(8))

    def create_page(self, dbname: str, title: str, text: str) -> None:
        with self.office(dbname) as client:
            body = client.write({"action": "edit", "title": title, "text": text, "summary": "t"})
            assert body.get("edit", {}).get("result") == "Success", body


@pytest.fixture(scope="session")
def wiki_farm(tmp_path_factory) -> Farm:
    if not MEDIAWIKI.exists():
        unavailable("MediaWiki is not installed (Debian package mediawiki)")
    directory = tmp_path_factory.mktemp("wikis")
    env = {
        **os.environ,
        "OFFICEACTIONS_WIKI_DIR": str(directory),
        # Overridable so that two test runs on one machine do not share ports.
        "OFFICEACTIONS_WIKIS": os.environ.get(
            "OFFICEACTIONS_TEST_WIKIS", "enwiki:18081 dewiki:18082"
        ),
    }
    started = subprocess.run(
        [str(ROOT / "scripts" / "wiki"), "start"], env=env, capture_output=True, text=True
    )
    if started.returncode != 0:
        unavailable(f"scripts/wiki start failed: {started.stderr[-2000:]}")
    yield Farm(directory, env)
    subprocess.run([str(ROOT / "scripts" / "wiki"), "stop"], env=env, check=False)


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3)}"
