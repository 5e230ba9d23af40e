"""Reports against a global ban, on real wikis: sockpuppets confirmed one by one and blocked;
proxies and interference leading to a proposed sanction case."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from officeactions.cases import services
from officeactions.enforcement import operations, runner
from officeactions.errors import InvalidInput, StepRefused
from officeactions.policy.workflow import CaseState
from officeactions.sanctions import services as sanctions
from officeactions.sanctions.models import BanReport, BreachReport, SuspectedAccount
from tests.helpers import approved, db_snapshot, enforce_now, sign_in
from tests.wikis import unique


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


@pytest.fixture
def ban(people, farm):
    name = unique("Banned person")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Banned", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforce_now(case, people["agent"])
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    return case


def office_blocks(farm, dbname, target):
    with farm.office(dbname) as client:
        return [b for b in client.blocks(target) if operations._same_target(b["user"], target)]


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_breach_report_is_decided_account_by_account(people, farm, ban):
    sock, innocent = unique("Sock"), unique("Lookalike")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, sock)
    farm.create_account("enwiki", innocent)
    api = api_for(people["agent"])
    r = api.post(
        f"/api/cases/{ban.reference}/breach-reports/",
        {
            "reported_by": "Community member (User:Watcher)",
            "summary": "Same edits, same hours, same targets.",
            "evidence_url": "https://en.wikipedia.org/wiki/Wikipedia:SPI/Banned",
            "accounts": [
                {"wiki": "enwiki", "username": sock},
                {"wiki": "enwiki", "username": innocent},
            ],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    (report,) = r.json()["breach_reports"]
    assert [a["status"] for a in report["accounts"]] == ["pending", "pending"]
    by_name = {a["username"]: a["id"] for a in report["accounts"]}
    assert office_blocks(farm, "dewiki", sock) == []  # nothing happens before staff confirm

    url = f"/api/cases/{ban.reference}/suspected-accounts/"
    no_reason = api.post(url, {"suspect_id": by_name[innocent], "decision": "reject"})
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.json()["message"]
    r = api.post(
        url, {"suspect_id": by_name[innocent], "decision": "reject", "note": "Different person."}
    )
    assert r.status_code == 200
    r = api.post(url, {"suspect_id": by_name[sock], "decision": "confirm", "note": "CU match"})
    assert r.status_code == 200
    again = api.post(url, {"suspect_id": by_name[sock], "decision": "reject", "note": "x"})
    assert again.status_code == 409 and "already decided" in again.json()["message"]
    assert api.post(url, {"suspect_id": 999999, "decision": "confirm"}).status_code == 404

    runner.enforcement_run(case_id=ban.pk)
    for dbname in ("enwiki", "dewiki"):  # a ban is against the person: every wiki
        (block,) = office_blocks(farm, dbname, sock)
        assert block["by"] == "WMFOffice"
    assert office_blocks(farm, "enwiki", innocent) == []
    assert ban.subject.accounts.filter(username=sock).exists()
    assert not ban.subject.accounts.filter(username=innocent).exists()
    statuses = dict(SuspectedAccount.objects.values_list("username", "status"))
    assert statuses == {sock: "confirmed", innocent: "rejected"}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"accounts": [{"wiki": "frwiki", "username": "X"}]}, "Unknown wiki 'frwiki'"),
        ({"accounts": [{"wiki": "enwiki", "username": "Bad#Name"}]}, ""),
        ({"summary": " "}, "summary"),  # named among the invalid fields
        ({"evidence_url": "javascript:alert(1)"}, "not a valid http(s) URL"),
    ],
)
def test_bad_breach_reports_are_refused_and_store_nothing(people, ban, changes, message):
    before, reports = db_snapshot(), BreachReport.objects.count()
    data = {
        "reported_by": "Someone",
        "summary": "Suspected.",
        "accounts": [{"wiki": "enwiki", "username": "Somebody"}],
        **changes,
    }
    r = api_for(people["agent"]).post(
        f"/api/cases/{ban.reference}/breach-reports/", data, format="json"
    )
    assert r.status_code == 400 and message in str(r.json())
    assert db_snapshot() == before and BreachReport.objects.count() == reports


def test_an_account_already_on_the_ban_and_empty_lists_are_refused(people, ban):
    known = ban.subject.accounts.get()
    with pytest.raises(InvalidInput, match="already one of this person's accounts"):
        sanctions.breach_report_file(
            case=ban,
            actor=people["agent"],
            reported_by="x",
            summary="y",
            accounts=[(known.wiki, known.username)],
        )
    r = api_for(people["agent"]).post(
        f"/api/cases/{ban.reference}/breach-reports/",
        {"reported_by": "x", "summary": "y", "accounts": []},
        format="json",
    )
    assert r.status_code == 400


def test_reports_attach_only_to_a_standing_ban_and_for_its_team(people, farm, open_case):
    not_yet = open_case("global_ban")
    with pytest.raises(StepRefused, match="Cannot add a confirmed account"):
        sanctions.breach_report_file(
            case=not_yet,
            actor=people["agent"],
            reported_by="x",
            summary="y",
            accounts=[("enwiki", "Z")],
        )
    r = api_for(people["reviewer1"]).post(
        f"/api/cases/{not_yet.reference}/ban-reports/",
        {"kind": "proxy", "wiki": "enwiki", "username": "P", "summary": "s", "sanction": "x"},
        format="json",
    )
    assert r.status_code in (400, 403, 409)


def test_a_proxy_report_opens_a_linked_sanction_case_with_the_report_as_evidence(
    people, farm, ban, client
):
    proxy = unique("Proxy editor")
    api = api_for(people["agent"])
    url = f"/api/cases/{ban.reference}/ban-reports/"
    body = {
        "kind": "proxy",
        "wiki": "enwiki",
        "username": proxy,
        "summary": "Posts edits on the banned person's behalf, by email request.",
        "evidence_url": "https://en.wikipedia.org/w/index.php?diff=42",
        "sanction": "rights_removal",
    }
    before = db_snapshot()
    bad = api.post(url, {**body, "sanction": "dmca_takedown"}, format="json")
    assert bad.status_code == 400 and "rights_removal, global_ban" in bad.json()["message"]
    bad = api.post(url, {**body, "kind": "gossip"}, format="json")
    assert bad.status_code == 400
    bad = api.post(url, {**body, "wiki": "xxwiki"}, format="json")
    assert bad.status_code == 400 and "Unknown wiki" in bad.json()["message"]
    assert db_snapshot() == before

    r = api.post(url, body, format="json")
    assert r.status_code == 201, r.content
    (report,) = r.json()["ban_reports"]
    sanction = report["sanction_case"]
    detail = api.get(f"/api/cases/{sanction}/").json()
    assert detail["kind"] == "rights_removal"
    assert detail["state"] == "investigating"  # ready for staff to propose the sanction
    assert detail["from_report_on"] == ban.reference
    assert detail["subject"]["accounts"] == [{"wiki": "enwiki", "username": proxy}]
    stored = BanReport.objects.get()
    (evidence,) = stored.sanction_case.evidence.all()
    assert evidence.url == body["evidence_url"]
    assert ban.reference in evidence.note and "proxy" in evidence.note

    sign_in(client, people["agent"])
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert sanction in page and "acting as a proxy" in page
    page = client.get(reverse("cases:detail", args=[sanction])).content.decode()
    assert f'attached to <a href="/cases/{ban.reference}/">' in page


def test_the_ban_page_records_reports_through_its_forms(people, farm, ban, client):
    sock = unique("Page sock")
    farm.create_account("enwiki", sock)
    sign_in(client, people["agent"])
    r = client.post(
        reverse("cases:breach-report", args=[ban.reference]),
        {"reported_by": "User:Watcher", "summary": "Same style.", "accounts": f"enwiki:{sock}"},
    )
    assert r.status_code == 302
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert sock in page and "Confirm: add to the ban and block" in page
    bad = client.post(
        reverse("cases:breach-report", args=[ban.reference]),
        {"reported_by": "x", "summary": "y", "accounts": "no colon"},
    )
    assert bad.status_code == 400 and "is not wiki:username" in bad.content.decode()
    suspect = SuspectedAccount.objects.get(username=sock)
    r = client.post(
        reverse("cases:suspect", args=[ban.reference]),
        {"suspect_id": suspect.pk, "decision": "confirm", "note": "Checked."},
    )
    assert r.status_code == 302
    suspect.refresh_from_db()
    assert suspect.status == "confirmed"
    r = client.post(
        reverse("cases:ban-report", args=[ban.reference]),
        {
            "kind": "interference",
            "wiki": "enwiki",
            "username": unique("Unblocker"),
            "summary": "Unblocked the banned account twice.",
            "sanction": "global_ban",
        },
    )
    assert r.status_code == 302
    assert BanReport.objects.get().sanction_case.kind == "global_ban"
