"""The wikis the product acts on and the accounts it acts with, read from a JSON file
(``scripts/wiki`` writes one).

{"wikis": [{"dbname": "enwiki", "api_url": "http://127.0.0.1:8081/api.php",
            "office": {"username": "WMFOffice@desk", "password": "..."},
            "staff": {"alice": {"username": "Staff Alice@desk", "password": "..."}},
            "cidr_limit": {"4": 16, "6": 19},
            "extensions": ["GlobalBlocking"]}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from officeactions.enforcement.wiki import WikiAccount


@dataclass(frozen=True)
class WikiConfig:
    dbname: str
    api_url: str
    office: WikiAccount
    staff: dict[str, WikiAccount] = field(default_factory=dict)
    cidr_limit: dict[int, int] = field(default_factory=lambda: {4: 16, 6: 19})
    extensions: frozenset[str] = frozenset()

    @property
    def office_username(self) -> str:
        return self.office.username.split("@", 1)[0]

    def account_for(self, performer: str) -> WikiAccount | None:
        return self.office if performer == "office" else self.staff.get(performer)


def load_wikis(path: Path | str | None = None) -> dict[str, WikiConfig]:
    path = Path(path or settings.OFFICEACTIONS_WIKI_REGISTRY)
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    wikis: dict[str, WikiConfig] = {}
    for w in data.get("wikis", []):
        wikis[w["dbname"]] = WikiConfig(
            dbname=w["dbname"],
            api_url=w["api_url"],
            office=WikiAccount(**w["office"]),
            staff={k: WikiAccount(**v) for k, v in w.get("staff", {}).items()},
            cidr_limit={int(k): int(v) for k, v in w.get("cidr_limit", {"4": 16, "6": 19}).items()},
            extensions=frozenset(w.get("extensions", [])),
        )
    return wikis
