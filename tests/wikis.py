"""Real MediaWiki wikis for the integration tests, started by the project's own script."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from officeactions.enforcement.wiki import WikiAccount, WikiClient
from officeactions.enforcement.wikis import WikiConfig, load_wikis

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
        self.wikis: dict[str, WikiConfig] = load_wikis(self.registry_path)
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


def wiki_ports(worker_id: str) -> str:
    """The wikis of one test process: OFFICEACTIONS_TEST_WIKIS (so that two test runs on one
    machine do not share ports), each port moved on by 100 per parallel worker (gw0, gw1...)."""
    wikis = os.environ.get("OFFICEACTIONS_TEST_WIKIS", "enwiki:18081 dewiki:18082")
    offset = 100 * int(worker_id[2:]) if worker_id.startswith("gw") else 0
    moved = []
    for wiki in wikis.split():
        name, port = wiki.split(":")
        moved.append(f"{name}:{int(port) + offset}")
    return " ".join(moved)


@pytest.fixture(scope="session")
def wiki_farm(tmp_path_factory, worker_id) -> Farm:
    if not MEDIAWIKI.exists():
        unavailable("MediaWiki is not installed (Debian package mediawiki)")
    directory = tmp_path_factory.mktemp("wikis")
    env = {
        **os.environ,
        "OFFICEACTIONS_WIKI_DIR": str(directory),
        "OFFICEACTIONS_WIKIS": wiki_ports(worker_id),
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
