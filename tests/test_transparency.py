"""Public transparency pages: what took effect is listed; confidential kinds, addresses and
internal fields never are, in any format."""

import pytest

from officeactions.cases import services
from officeactions.enforcement import services as enforcement
from officeactions.legal import services as legal
from tests.helpers import approved, enforce_now
from tests.wikis import unique


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


@pytest.fixture
def actions(people, farm):
    name = unique("Publicly banned")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"],
        display_name="INTERNAL subject name",
        accounts=[("enwiki", name)],
        addresses=["192.0.2.201"],
    )
    ban = approved(people, "global_ban", subject=subject)
    enforce_now(ban, people["agent"])
    page = unique("Protected page")
    farm.create_page("enwiki", page, "text")
    protection = approved(
        people,
        "page_protection",
        terms={"grounds": "INTERNAL court order", "wiki": "enwiki", "page": page},
    )
    enforce_now(protection, people["agent"])
    child = services.case_open(actor=people["designee"], kind="child_protection", title="CP")
    secret = unique("Secret page")
    farm.create_page("enwiki", secret, "harm")
    base = farm.wikis["enwiki"].api_url.replace("api.php", "index.php")
    legal.child_protection_suppress(
        case=child, actor=people["designee"], url=f"{base}?title={secret.replace(' ', '_')}"
    )
    warning = approved(people, "conduct_warning", subject=subject)
    services.conduct_warning_issue(case=warning, actor=people["agent"])  # issued: in effect
    return {
        "ban": ban,
        "name": name,
        "page": page,
        "protection": protection,
        "child": child,
        "secret": secret,
        "warning": warning,
    }


def outputs(client):
    return {
        "log": client.get("/transparency/office-actions/").content.decode(),
        "log.json": client.get("/transparency/office-actions/?format=json").content.decode(),
        "log.csv": client.get("/transparency/office-actions/?format=csv").content.decode(),
        "bans": client.get("/transparency/global-bans/").content.decode(),
        "bans.json": client.get("/transparency/global-bans/?format=json").content.decode(),
        "bans.csv": client.get("/transparency/global-bans/?format=csv").content.decode(),
        "dmca": client.get("/transparency/dmca/").content.decode(),
        "dmca.json": client.get("/transparency/dmca.json").content.decode(),
    }


def test_what_took_effect_is_public_and_nothing_confidential_is(actions, client):
    pages = outputs(client)
    for name in ("log", "log.json", "log.csv"):
        assert actions["ban"].reference in pages[name]
        assert actions["name"] in pages[name]
        assert actions["page"] in pages[name]
    for name in ("bans", "bans.json", "bans.csv"):
        assert actions["name"] in pages[name]
        assert actions["page"] not in pages[name]
    for name, page in pages.items():
        for secret in (
            actions["child"].reference,
            actions["secret"],
            actions["warning"].reference,
            "192.0.2.201",  # a banned person's address is never published
            "INTERNAL",
            "child protection",
            "conduct warning",
            "Repeated personal attacks",  # the issued warning's words
            "warned@example.org",  # and its addressee
        ):
            assert secret not in page, (name, secret)


def test_the_log_filters_and_pages(actions, client):
    body = client.get("/transparency/office-actions/?format=json&kind=page_protection").json()
    assert {r["kind"] for r in body["results"]} == {"office page protection"}
    assert {r["performed_by"] for r in body["results"]} == {"office account"}
    body = client.get("/transparency/office-actions/?format=json&wiki=dewiki&size=1").json()
    assert body["results"][0]["wiki"] == "dewiki" and body["pages"] == body["count"]


@pytest.mark.parametrize(
    "query",
    [
        "since=notadate",
        "since=2099-01-01",
        "since=2026-05-01&until=2026-01-01",
        "page=0",
        "page=99999",
        "size=1000",
        "kind=child_protection",
        "kind=<script>",
        "wiki=en wiki",
    ],
)
def test_malformed_filters_get_a_clear_400_never_a_500(db, client, query):
    response = client.get(f"/transparency/office-actions/?format=json&{query}")
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid filter."
    html = client.get(f"/transparency/office-actions/?{query}")
    assert html.status_code == 400
    assert b'role="alert"' in html.content


def test_a_lifted_ban_leaves_the_global_bans_list(people, actions, client):
    enforcement.case_lift(case=actions["ban"], actor=people["agent"], reason="Appeal upheld")
    enforcement.enforcement_run(case_id=actions["ban"].pk)
    assert actions["name"] not in client.get("/transparency/global-bans/").content.decode()
