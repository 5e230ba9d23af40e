"""The ban check: GET /api/check, the in-process function, the page and the command, on bans
put in effect on the real wikis; refusal of bad input; following changes without a restart."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from officeactions import bancheck
from officeactions.accounts.services import api_token_create
from officeactions.audit.models import AuditEntry
from officeactions.bancheck import services
from officeactions.cases import services as cases
from officeactions.cases import subjects
from officeactions.enforcement import runner
from officeactions.enforcement import services as enforcement
from officeactions.errors import InvalidInput, NotFound
from officeactions.events import organisers
from officeactions.events import services as events
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from tests.helpers import approved, enforce_now, make_user, sign_in, walk
from tests.wikis import unique


@pytest.fixture(autouse=True)
def fresh_index():
    """Each test starts with no index in this process, and leaves no listener behind."""
    services.forget_index()
    yield
    services.forget_index()


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + api_token_create(user=user, name="t")[1])
    return client


def net() -> str:
    """A /24 of TEST-NET-3 no other test uses (the wikis keep blocks for the session)."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}"


def ban(people, farm, kind="global_ban", accounts=(), addresses=(), terms=None):
    """An office action of this kind, approved and carried out on both wikis: in effect."""
    for name in accounts:
        for dbname in ("enwiki", "dewiki"):
            farm.create_account(dbname, name)
    subject = cases.subject_create(
        actor=people["agent"],
        display_name=f"Subject of a {kind}",
        accounts=[("enwiki", a) for a in accounts],
        addresses=list(addresses),
    )
    # A range block of its own is performed through a staff member's wiki account: alice's.
    actor = people["agent"]
    if kind == "range_block":
        actor = people.get("alice") or make_user("alice", [Role.TS_STAFF])
        people["alice"] = actor
    case = approved(people, kind, subject=subject, terms=terms, actor=actor)
    enforce_now(case, actor)
    assert case.state == CaseState.IN_EFFECT
    return case


def test_it_names_the_global_ban_and_range_block_that_apply(people, farm):
    name, a, b = unique("Banned person"), net(), net()
    global_ban = ban(
        people, farm, accounts=[name], addresses=[f"{a}.7", f"{b}.0/24", "2001:db8:4e::/48"]
    )
    range_block = ban(people, farm, kind="range_block", addresses=[f"{a}.0/24"])
    api = api_as(people["agent"])

    # The username as a wiki might send it: lower-case first letter, underscores.
    typed = name[0].lower() + name[1:].replace(" ", "_")
    body = api.get("/api/check", {"user": typed, "wiki": "enwiki"}).json()
    assert body["banned"] is True and body["user"] == name and body["wiki"] == "enwiki"
    assert body["matches"] == [
        {
            "action": "global_ban",
            "action_name": "global ban",
            "reference": global_ban.reference,
            "block": "account",
            "target": name,
            "expires_at": None,
        }
    ]

    # An address inside the ban's range, written as IPv4-mapped IPv6: counts as IPv4. A global
    # ban's addresses are never shown; a range block's range is public.
    body = api.get("/api/check", {"ip": f"::ffff:{b}.200"}).json()
    assert body["ip"] == f"{b}.200"
    assert [(m["reference"], m["block"], m["target"]) for m in body["matches"]] == [
        (global_ban.reference, "address", None)
    ]
    body = api.get("/api/check", {"ip": f"{a}.7"}).json()
    assert {(m["reference"], m["action"], m["target"]) for m in body["matches"]} == {
        (global_ban.reference, "global_ban", None),
        (range_block.reference, "range_block", f"{a}.0/24"),
    }
    assert api.get("/api/check", {"ip": "2001:db8:4e:ffff::1"}).json()["banned"] is True
    # Nothing outside the ranges, nor another name.
    for query in (
        {"ip": "2001:db8:4f::1"},
        {"ip": f"{a}.255".replace(a, a.rsplit(".", 1)[0] + ".1")} if a[-2:] != ".1" else {},
        {"user": name + "x"},
    ):
        if query:
            assert api.get("/api/check", query).json()["banned"] is False, query

    # The same answer in-process and on the command line.
    assert bancheck.check(typed).as_dict() == api.get("/api/check", {"user": typed}).json()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("bancheck", typed, f"{a}.7", stdout=out)
    assert exited.value.code == 1
    assert f"BANNED: user {name} and address {a}.7." in out.getvalue()
    assert f"range block {range_block.reference}: address {a}.0/24" in out.getvalue()


def test_an_expired_ban_stops_matching_at_lookup_time(people, farm):
    name = unique("Temporary")
    ends = datetime.now(UTC) + timedelta(days=2)
    case = ban(people, farm, accounts=[name], terms={"expiry": ends.isoformat()})

    body = bancheck.check(name).as_dict()
    assert body["matches"][0]["reference"] == case.reference
    shown = datetime.fromisoformat(body["matches"][0]["expires_at"])
    assert abs(shown - ends) < timedelta(seconds=1)
    # Past its end, before any worker has moved the case to "expired": no longer banned.
    assert not bancheck.check(name, now=ends.timestamp() + 1).banned
    assert bancheck.check(name, now=ends.timestamp() - 1).banned


def test_a_ban_lifted_on_another_connection_is_forgotten_without_a_restart(
    people, farm, committed_db, monkeypatch
):
    # No hint inside this process: only the version (polled on SQLite, NOTIFY on PostgreSQL)
    # can tell the index that something changed.
    monkeypatch.setattr(services, "_look_again_now", lambda: None)
    name = unique("Lifted")
    case = ban(people, farm, accounts=[name])
    assert bancheck.check(name).banned  # the index is built now, in this thread

    def lift_elsewhere():  # another thread: another database connection
        try:
            enforcement.case_lift(case=case, actor=people["agent"], reason="Appeal granted.")
            runner.enforcement_run(case_id=case.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=lift_elsewhere)
    worker.start()
    worker.join(timeout=120)
    assert wait_until(lambda: not bancheck.check(name).banned)
    assert AuditEntry.objects.filter(case=case, data__to=CaseState.LIFTED.value).exists()


def test_an_account_added_to_a_ban_in_effect_is_banned_without_a_restart(
    people, farm, committed_db, monkeypatch
):
    monkeypatch.setattr(services, "_look_again_now", lambda: None)
    name, sock = unique("Main"), unique("Sock")
    case = ban(people, farm, accounts=[name])
    assert not bancheck.check(sock).banned
    farm.create_account("dewiki", sock)
    enforcement.case_add_account(case=case, actor=people["agent"], wiki="dewiki", username=sock)
    assert wait_until(lambda: bancheck.check(sock).banned)
    assert bancheck.check(sock).matches[0].rule.reference == case.reference


# -- the services tell the check: each change is answered right after it ----------------------


@pytest.fixture
def no_poll(committed_db, monkeypatch):
    """Real commits, and no poll within a test's time: only the change's own call of
    Hook.BANS_CHANGED moves the version and has the index looked at again."""
    monkeypatch.setattr(services, "POLL_SECONDS", 3600.0)


def seen(condition) -> bool:
    """On SQLite this process's next check sees a committed change; on PostgreSQL the
    listener swaps the new index in when NOTIFY arrives, a moment later."""
    return wait_until(condition) if connection.vendor == "postgresql" else condition()


def test_a_ban_put_in_effect_is_banned_right_after(people, farm, no_poll):
    name = unique("Newly banned")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = cases.subject_create(
        actor=people["agent"], display_name=name, accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    assert not bancheck.check(name).banned  # the index is built now, before the ban
    enforce_now(case, people["agent"])
    assert case.state == CaseState.IN_EFFECT
    assert seen(lambda: bancheck.check(name).banned)


def test_a_ban_lifted_is_forgotten_right_after(people, farm, no_poll):
    name = unique("Lifted now")
    case = ban(people, farm, accounts=[name])
    assert bancheck.check(name).banned
    enforcement.case_lift(case=case, actor=people["agent"], reason="Appeal granted.")
    assert seen(lambda: not bancheck.check(name).banned)


def test_an_account_added_to_a_ban_is_banned_right_after(people, farm, no_poll):
    name, sock = unique("Main now"), unique("Sock now")
    case = ban(people, farm, accounts=[name])
    assert not bancheck.check(sock).banned
    farm.create_account("dewiki", sock)
    enforcement.case_add_account(case=case, actor=people["agent"], wiki="dewiki", username=sock)
    assert seen(lambda: bancheck.check(sock).banned)


def test_an_event_created_is_known_with_its_bans_right_after(people, no_poll):
    agent, name = people["agent"], unique("Event banned")
    case = cases.case_open(actor=agent, kind="event_ban", title="An event ban")
    walk(case, (agent, "accept"), (agent, "start_investigation"))
    events.event_ban_scope_record(case=case, actor=agent, listed_name=name, country="PL")
    cases.proposal_create(case=case, actor=agent, rationale="Harassment at a meetup.")
    walk(case, (agent, "submit_for_review"))
    for who in ("reviewer1", "reviewer2"):
        cases.review_submit(case=case, actor=people[who], decision="approve")
    events.event_ban_issue(case=case, actor=agent)
    assert not bancheck.check(name).banned  # the index is built now, before the event
    start = events.today() + timedelta(days=30)
    event = organisers.event_create(
        actor=agent,
        name="WikiCon Warszawa",
        country="PL",
        city="Warszawa",
        projects=["Wikipedia"],
        starts_on=start,
        ends_on=start + timedelta(days=1),
    )

    def banned_at_the_event() -> bool:
        try:
            return bancheck.check(name, event=event.pk).banned
        except NotFound:  # the index does not know the event yet
            return False

    assert seen(banned_at_the_event)


def test_recording_a_subject_counts_the_version_up(people, open_case):
    # A subject's accounts and addresses are what a ban blocks.
    before = services.ban_list_version()
    cases.subject_create(
        actor=people["agent"], display_name="Someone", accounts=[("enwiki", unique("Someone"))]
    )
    assert services.ban_list_version() == before + 1
    case = open_case()
    walk(case, (people["agent"], "accept"))
    subjects.case_subject_record(
        case=case, actor=people["agent"], display_name="Another", addresses=["192.0.2.9"]
    )
    assert services.ban_list_version() == before + 2


def test_a_step_that_changes_no_ban_leaves_the_version_alone(people, open_case):
    case = open_case()
    before = services.ban_list_version()
    walk(case, (people["agent"], "accept"), (people["agent"], "start_investigation"))
    cases.evidence_add(case=case, actor=people["agent"], url="https://example.org/diff")
    cases.evidence_add(case=case, actor=people["agent"], note="Seen on two wikis.")
    assert AuditEntry.objects.filter(case=case, action="evidence.add").count() == 2
    assert services.ban_list_version() == before


@pytest.mark.postgres
def test_a_ban_lifted_by_another_process_is_seen_through_notify(
    people, farm, committed_db, monkeypatch
):
    monkeypatch.setattr(services, "POLL_SECONDS", 3600.0)  # so only NOTIFY can tell us
    name = unique("Elsewhere")
    case = ban(people, farm, accounts=[name])
    assert bancheck.check(name).banned
    assert services._current.listener is not None and services._current.listener.is_alive()

    db = connection.settings_dict
    env = {
        **os.environ,
        "OFFICEACTIONS_DEBUG": "true",
        "OFFICEACTIONS_WIKI_REGISTRY": str(farm.registry_path),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    script = (
        "from officeactions.cases.models import Case\n"
        "from django.contrib.auth import get_user_model\n"
        "from officeactions.enforcement.services import case_lift\n"
        f"case = Case.objects.get(reference={case.reference!r})\n"
        "agent = get_user_model().objects.get(username='agent')\n"
        "case_lift(case=case, actor=agent, reason='Lifted from another process.')\n"
    )
    officeactions = Path(sys.executable).with_name("officeactions")
    subprocess.run([officeactions, "shell", "-c", script], env=env, check=True, timeout=60)
    assert wait_until(lambda: not bancheck.check(name).banned)


def wait_until(condition, limit: float = 20.0) -> bool:
    """Up to a generous limit (the bound is about a second; the machine may be busy)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# -- bad input ------------------------------------------------------------------------------

BAD_QUERIES = [
    ({"ip": "1.2.3"}, 400, "not an IPv4 or IPv6 address"),
    ({"ip": "01.2.3.4"}, 400, "not an IPv4 or IPv6 address"),
    ({"ip": "192.0.2.1/24"}, 400, "not an IPv4 or IPv6 address"),  # a range, host bits set
    ({"ip": "192.0.2.0/24"}, 400, "not an IPv4 or IPv6 address"),  # a range is not an address
    ({"ip": "::ffff:1.2.3.256"}, 400, "not an IPv4 or IPv6 address"),
    ({"ip": "fe80::1%eth0"}, 400, "not an IPv4 or IPv6 address"),
    ({"ip": " 192.0.2.1"}, 400, "not an IPv4 or IPv6 address"),
    ({"ip": "x" * 5000}, 400, "too long"),
    ({"user": "Foo\x07bar"}, 400, "cannot contain"),
    ({"user": "Foo\u200ebar"}, 400, "cannot contain"),  # a format character
    ({"user": "Foo|bar"}, 400, "cannot contain"),
    ({"user": "Ä" * 200}, 400, "at most 255 bytes"),
    ({"user": "_ _"}, 400, "cannot be empty"),
    ({"user": "Foo", "ip": "300.1.1.1"}, 400, "not an IPv4 or IPv6 address"),
    ({}, 400, "Give a username"),
    ({"user": ["A", "B"]}, 400, "once"),
    ({"user": "Foo", "event": "seven"}, 400, "event id"),
    ({"user": "Foo", "wiki": "nowiki"}, 404, "Unknown wiki"),
    ({"user": "Foo", "event": "7"}, 404, "Unknown event 7"),
]


@pytest.mark.parametrize("query,status,message", BAD_QUERIES)
def test_bad_input_is_refused_never_answered_not_banned(people, query, status, message):
    response = api_as(people["agent"]).get("/api/check", query)
    assert response.status_code == status, response.content
    body = response.json()
    assert message in body["message"] and "banned" not in body


def test_without_a_token_or_the_right_the_check_is_refused(people):
    assert APIClient().get("/api/check", {"user": "Foo"}).status_code == 401
    assert api_as(people["outsider"]).get("/api/check", {"user": "Foo"}).status_code == 403
    assert api_as(people["crc"]).get("/api/check", {"user": "Foo"}).status_code == 403
    # An organiser asks about their own event only, by name only.
    assert api_as(people["organiser"]).get("/api/check", {"user": "Foo"}).status_code == 403


def test_an_organiser_asks_only_about_an_event_they_are_designated_for(people):
    from datetime import timedelta

    start = events.today()
    event, other = (
        organisers.event_create(
            actor=people["agent"],
            name=name,
            country="PL",
            city="Katowice",
            projects="Wikipedia",
            starts_on=start,
            ends_on=start + timedelta(days=1),
        )
        for name in ("Mine", "Theirs")
    )
    organisers.organiser_designate(
        event=event, actor=people["agent"], organiser=people["organiser"]
    )
    organiser = api_as(people["organiser"])
    answer = organiser.get("/api/check", {"user": "Foo", "event": event.pk})
    assert answer.status_code == 200 and answer.json()["banned"] is False
    assert AuditEntry.objects.filter(action="bancheck.organiser_check").count() == 1
    # Another event answers as one that does not exist; an address is never theirs to ask.
    assert organiser.get("/api/check", {"user": "Foo", "event": other.pk}).status_code == 404
    ip = organiser.get("/api/check", {"user": "Foo", "ip": "192.0.2.1", "event": event.pk})
    assert ip.status_code == 403


def test_a_wiki_token_from_the_command_checks_and_nothing_else(people, settings):
    settings.OFFICEACTIONS_BANCHECK_TOKEN_SECONDS = 0  # no remembered tokens across tests
    out = io.StringIO()
    call_command("bancheck_token", "enwiki", stdout=out)
    key = out.getvalue().strip()
    wiki = APIClient()
    wiki.credentials(HTTP_AUTHORIZATION="Token " + key)
    response = wiki.get("/api/check", {"user": "Somebody", "ip": "2001:db8::1"})
    assert response.status_code == 200
    assert response.json()["banned"] is False and response.json()["ip"] == "2001:db8::1"
    assert wiki.get("/api/cases/").json()["count"] == 0  # not staff: sees no case work
    assert AuditEntry.objects.filter(action="bancheck.token_issue").count() == 1
    with pytest.raises(Exception, match="token name"):
        call_command("bancheck_token", "en wiki!")


def test_confidential_kinds_are_never_in_the_index():
    # Child protection, conduct warnings and CheckUser are never named by a check; event bans
    # come through their own entries, per event.
    assert set(services._blocking_kinds()) == {"global_ban", "range_block"}


def test_the_in_process_function_refuses_like_the_api(db):
    with pytest.raises(InvalidInput):
        bancheck.check("Foo", "1.2.3.4.5")
    with pytest.raises(NotFound, match="Unknown event"):
        bancheck.check("Foo", event=1)
    assert bancheck.check("foo_bar", "::ffff:192.0.2.1").as_dict()["user"] == "Foo bar"


def test_the_page_answers_staff_and_hides_from_others(people, client):
    sign_in(client, people["agent"])
    page = client.get("/check/", {"user": "Nobody here", "ip": "192.0.2.1"})
    assert page.status_code == 200 and b"Not banned" in page.content
    partial = client.get("/check/", {"ip": "1.2.3"}, headers={"HX-Request": "true"})
    assert partial.status_code == 400 and b"not an IPv4 or IPv6 address" in partial.content
    assert b"<html" not in partial.content
    sign_in(client, people["outsider"])
    assert client.get("/check/").status_code == 404


def test_the_command_line_routes_check_with_arguments_to_the_ban_check(monkeypatch):
    from django.core import management

    from officeactions.cli import main

    ran = []
    monkeypatch.setattr(management, "execute_from_command_line", ran.append)
    main(["check", "foo_bar", "192.0.2.1", "--wiki", "enwiki"])
    main(["check", "--deploy"])  # Django's system check keeps its name
    assert ran == [
        ["officeactions", "bancheck", "foo_bar", "192.0.2.1", "--wiki", "enwiki"],
        ["officeactions", "check", "--deploy"],
    ]


def test_the_command_answers_and_refuses(db):
    out = io.StringIO()
    call_command("bancheck", "foo_bar", "192.0.2.1", stdout=out)
    assert out.getvalue().strip() == "Not banned: user Foo bar and address 192.0.2.1."
    call_command("bancheck", "-", "::ffff:192.0.2.1", "--json", stdout=(out := io.StringIO()))
    assert json.loads(out.getvalue())["ip"] == "192.0.2.1"
    with pytest.raises(CommandError, match="not an IPv4 or IPv6 address") as refused:
        call_command("bancheck", "-", "1.2.3")
    assert refused.value.returncode == 2


def test_the_schema_lists_the_check(people):
    schema = api_as(people["agent"]).get("/api/schema/?format=json").json()
    assert "/api/check" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/check"]["get"]["parameters"]}
    assert params == {"user", "ip", "wiki", "event"}
    assert json.dumps(schema["paths"]["/api/check"]).count("401") >= 1
