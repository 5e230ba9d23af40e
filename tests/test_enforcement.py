"""Office actions on real MediaWiki wikis: carried out, verified, lifted, watched, re-applied.

Two wikis (enwiki, dewiki) are started by scripts/wiki for the session. Each test uses names of
its own, so tests do not see each other's blocks.
"""

import json

import pytest

from officeactions.cases import services
from officeactions.enforcement import operations, runner, watch
from officeactions.enforcement import services as enforcement
from officeactions.enforcement.models import Incident, Operation
from officeactions.errors import InvalidInput, StepRefused
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from tests.helpers import approved, enforce_now, make_user, sign_in
from tests.wikis import unique

State = Operation.State


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


def office_block(farm, dbname, target):
    with farm.office(dbname) as client:
        return [b for b in client.blocks(target) if operations._same_target(b["user"], target)]


def test_a_global_ban_takes_effect_on_every_wiki_and_is_lifted(people, farm):
    main, sock, only_en = unique("Banned"), unique("Sock"), unique("Enonly")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, main)
        farm.create_account(dbname, sock)
    farm.create_account("enwiki", only_en)
    subject = services.subject_create(
        actor=people["agent"],
        display_name="Banned person",
        accounts=[("enwiki", main), ("dewiki", sock), ("enwiki", only_en)],
        addresses=["192.0.2.77", "198.51.100.0/24", "2001:db8:77::/48"],
    )
    case = approved(people, "global_ban", subject=subject)
    ops = enforce_now(case, people["agent"])

    assert case.state == CaseState.IN_EFFECT
    assert len(ops) == 2 * 6
    for dbname in ("enwiki", "dewiki"):
        for target in (main, sock, "192.0.2.77", "198.51.100.0/24", "2001:db8:77::/48"):
            op = ops[(dbname, "block", target)]
            assert op.state == State.VERIFIED, (dbname, target, op.message)
            assert op.performer == "office"
            (block,) = office_block(farm, dbname, target)
            assert block["by"] == "WMFOffice"
            assert block["expiry"] == "infinity"
            assert block["nocreate"] and block["noemail"] and not block["allowusertalk"]
            assert case.reference in block["reason"]
    assert ops[("dewiki", "block", only_en)].state == State.NOT_APPLICABLE
    assert "No account" in ops[("dewiki", "block", only_en)].message

    # Running enforcement again does nothing twice.
    assert runner.enforcement_run(case_id=case.pk) == "in_effect"
    assert len(office_block(farm, "enwiki", main)) == 1

    enforcement.case_lift(case=case, actor=people["agent"], reason="Overturned on appeal.")
    runner.enforcement_run(case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.LIFTED
    unblocks = case.operations.filter(op="unblock")
    assert unblocks.count() == 11  # all but the account that does not exist on dewiki
    assert set(unblocks.values_list("state", flat=True)) == {State.VERIFIED}
    for dbname in ("enwiki", "dewiki"):
        assert office_block(farm, dbname, main) == []
        assert office_block(farm, dbname, "198.51.100.0/24") == []


def test_a_range_wider_than_the_wiki_allows_is_refused_or_split(people, farm):
    subject = services.subject_create(
        actor=people["agent"], display_name="Range user", addresses=["10.90.0.0/15"]
    )
    case = approved(people, "range_block", subject=subject)
    ops = enforce_now(case, people["agent"])
    op = ops[("enwiki", "block", "10.90.0.0/15")]
    assert op.state == State.FAILED
    assert "wider than enwiki allows (/16)" in op.message
    assert case.state == CaseState.BEING_ENFORCED  # nothing reported as done that is not

    # A range block of its own is performed through the acting staff member's account.
    alice = make_user("alice", [Role.TS_STAFF])
    split_case = approved(people, "range_block", subject=subject, actor=alice)
    ops = enforce_now(split_case, alice, split_wide_ranges=True)
    assert {t for (_, _, t) in ops} == {"10.90.0.0/16", "10.91.0.0/16"}
    assert {o.state for o in ops.values()} == {State.VERIFIED}
    assert {o.performer for o in ops.values()} == {"alice"}
    (block,) = office_block(farm, "dewiki", "10.91.0.0/16")
    assert block["by"] == "Staff Alice"
    assert split_case.state == CaseState.IN_EFFECT


def test_a_staff_performed_action_without_a_wiki_account_fails_clearly(people, farm):
    subject = services.subject_create(
        actor=people["agent"], display_name="Range user 2", addresses=["10.92.0.0/16"]
    )
    case = approved(people, "range_block", subject=subject)
    ops = enforce_now(case, people["agent"])
    # "agent" has no account in the registry's staff map (only "alice" does).
    assert {o.state for o in ops.values()} == {State.FAILED}
    assert "No account on enwiki for agent" in ops[("enwiki", "block", "10.92.0.0/16")].message


def test_a_range_block_enforcing_a_global_ban_comes_from_the_office_account(people, farm):
    ban = services.case_open(actor=people["agent"], kind="global_ban", title="The ban")
    subject = services.subject_create(
        actor=people["agent"], display_name="Range user 3", addresses=["10.93.0.0/16"]
    )
    case = approved(people, "range_block", subject=subject, enforces=ban)
    ops = enforce_now(case, people["agent"])
    assert {o.performer for o in ops.values()} == {"office"}
    assert {o.state for o in ops.values()} == {State.VERIFIED}


def test_office_page_protection_tags_and_resets(people, farm):
    title, reset_title = unique("Disputed page"), unique("Reset page")
    farm.create_page("enwiki", title, "Some contested text.")
    farm.create_page("enwiki", reset_title, "Defamatory text that must go.")
    case = approved(
        people,
        "page_protection",
        terms={"grounds": "Court order 12-345", "wiki": "enwiki", "page": title},
    )
    ops = enforce_now(case, people["agent"])
    assert case.state == CaseState.IN_EFFECT, [o.message for o in ops.values()]
    with farm.office("enwiki") as client:
        levels = {(p["type"], p["level"]) for p in client.protection(title)["protection"]}
        assert {("edit", "sysop"), ("move", "sysop")} <= levels
        assert client.page_text(title).startswith("{{pp-office}}")

    reset = approved(
        people,
        "page_protection",
        terms={
            "grounds": "Substantial risk",
            "wiki": "enwiki",
            "page": reset_title,
            "reset_text": "A short neutral stub.",
        },
    )
    enforce_now(reset, people["agent"])
    with farm.office("enwiki") as client:
        text = client.page_text(reset_title)
    assert "{{reset}}" in text and "A short neutral stub." in text
    assert "Defamatory" not in text

    missing = approved(
        people,
        "page_protection",
        terms={"grounds": "Court order", "wiki": "enwiki", "page": unique("No such page")},
    )
    ops = enforce_now(missing, people["agent"])
    assert {o.state for o in ops.values()} == {State.FAILED}
    assert any("No page" in o.message for o in ops.values())


def test_rights_removal_and_a_regrant_caught_by_the_revert_watch(people, farm):
    name = unique("Functionary")
    farm.create_account("enwiki", name)
    with farm.office("enwiki") as client:
        client.change_groups(name, reason="setup", add=["sysop"])
    case = approved(
        people,
        "rights_removal",
        terms={
            "wiki": "enwiki",
            "username": name,
            "groups": "sysop",
            "no_rights_period": "12 months",
            "reapply_criteria": "A new request for adminship after the period",
        },
    )
    ops = enforce_now(case, people["agent"])
    assert ops[("enwiki", "remove_groups", name)].state == State.VERIFIED
    with farm.office("enwiki") as client:
        assert "sysop" not in client.user(name)["groups"]
    watch.revert_watch_run()  # catch up with the log so far

    with farm.rogue_client("enwiki") as rogue:
        rogue.change_groups(name, reason="I disagree", add=["sysop"])
    (incident,) = watch.revert_watch_run()
    assert incident.wiki_user == "Rogue Admin"
    assert incident.change == "rights/rights"
    assert incident.reapplied
    with farm.office("enwiki") as client:
        assert "sysop" not in client.user(name)["groups"]


def test_an_unblock_by_another_admin_is_an_incident_and_is_reapplied(people, farm, client):
    name = unique("Reverted")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Reverted", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforce_now(case, people["agent"])
    watch.revert_watch_run()

    with farm.rogue_client("dewiki") as rogue:
        rogue.unblock(name, reason="Office is wrong")
    assert office_block(farm, "dewiki", name) == []
    incidents = watch.revert_watch_run()
    assert [(i.wiki, i.change, i.wiki_user) for i in incidents] == [
        ("dewiki", "block/unblock", "Rogue Admin")
    ]
    assert incidents[0].comment == "Office is wrong"
    assert incidents[0].reapplied
    (block,) = office_block(farm, "dewiki", name)
    assert block["by"] == "WMFOffice"
    assert watch.revert_watch_run() == []  # each change is reported once

    sign_in(client, people["agent"])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "block/unblock" in page and "Rogue Admin" in page and "re-applied" in page


def test_the_watch_can_record_without_reapplying(people, farm):
    title = unique("Watched page")
    farm.create_page("enwiki", title, "Text.")
    case = approved(
        people, "page_protection", terms={"grounds": "Court order", "wiki": "enwiki", "page": title}
    )
    enforce_now(case, people["agent"])
    watch.revert_watch_run()
    with farm.rogue_client("enwiki") as rogue:
        rogue.protect(title, reason="unprotecting", level="all")
    (incident,) = watch.revert_watch_run(reapply=False)
    assert incident.change == "protect/unprotect"
    assert not incident.reapplied
    assert Incident.objects.filter(case=case).count() == 1


def test_a_wiki_that_is_down_fails_its_part_and_a_retry_completes_it(
    people, farm, settings, tmp_path
):
    name = unique("Partial")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    registry = json.loads(farm.registry_path.read_text())
    live_dewiki = registry["wikis"][1]["api_url"]
    registry["wikis"][1]["api_url"] = "http://127.0.0.1:9/api.php"  # nothing listens there
    broken = tmp_path / "wikis.json"
    broken.write_text(json.dumps(registry))
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(broken)

    subject = services.subject_create(
        actor=people["agent"], display_name="Partial", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    ops = enforce_now(case, people["agent"])
    assert ops[("enwiki", "block", name)].state == State.VERIFIED
    down = ops[("dewiki", "block", name)]
    assert down.state == State.FAILED
    assert "unreachable" in down.message
    assert case.state == CaseState.BEING_ENFORCED
    assert office_block(farm, "dewiki", name) == []

    registry["wikis"][1]["api_url"] = live_dewiki  # the wiki is back
    broken.write_text(json.dumps(registry))
    assert enforcement.enforcement_retry(case=case, actor=people["agent"]) == 1
    runner.enforcement_run(case_id=case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    assert len(office_block(farm, "enwiki", name)) == 1  # nothing doubled
    assert len(office_block(farm, "dewiki", name)) == 1
    with pytest.raises(StepRefused, match="No failed operation"):
        enforcement.enforcement_retry(case=case, actor=people["agent"])


def test_wrong_credentials_fail_with_a_clear_message(people, farm, settings, tmp_path):
    registry = json.loads(farm.registry_path.read_text())
    for wiki in registry["wikis"]:
        wiki["office"]["password"] = "wrong-password-wrong-password-xx"
    bad = tmp_path / "wikis.json"
    bad.write_text(json.dumps(registry))
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(bad)
    name = unique("Credentials")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"], display_name="X", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    ops = enforce_now(case, people["agent"])
    assert {o.state for o in ops.values()} == {State.FAILED}
    assert all("login as WMFOffice@desk failed" in o.message for o in ops.values())


def test_an_already_blocked_account_is_taken_over_by_the_office(people, farm):
    name = unique("Preblocked")
    farm.create_account("enwiki", name)
    farm.create_account("dewiki", name)
    with farm.rogue_client("enwiki") as rogue:
        rogue.block(name, reason="Local block", expiry="1 week")
    subject = services.subject_create(
        actor=people["agent"], display_name="Pre", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    ops = enforce_now(case, people["agent"])
    assert ops[("enwiki", "block", name)].state == State.VERIFIED
    (block,) = office_block(farm, "enwiki", name)
    assert (block["by"], block["expiry"]) == ("WMFOffice", "infinity")


def test_enforcement_is_refused_where_it_makes_no_sense(people, farm):
    warning = approved(people, "conduct_warning")
    with pytest.raises(StepRefused, match="nothing to carry out on a wiki"):
        enforcement.case_enforce(case=warning, actor=people["agent"])
    ban = approved(people, "global_ban")  # no subject
    with pytest.raises(InvalidInput, match="needs a subject"):
        enforcement.case_enforce(case=ban, actor=people["agent"])
    with pytest.raises(StepRefused, match="Cannot enforce on the wikis"):
        enforcement.case_enforce(
            case=services.case_open(actor=people["agent"], kind="global_ban", title="x"),
            actor=people["agent"],
        )
    assert not Operation.objects.exists()


def test_enforce_and_lift_through_the_api(people, farm):
    from rest_framework.test import APIClient

    name = unique("Api banned")
    farm.create_account("enwiki", name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Api", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    api = APIClient()
    api.force_authenticate(people["agent"])
    response = api.post(f"/api/cases/{case.reference}/enforce/", {}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "being_enforced"
    assert {(o["wiki"], o["state"]) for o in body["operations"]} == {
        ("enwiki", "pending"),
        ("dewiki", "pending"),
    }
    runner.enforcement_run(case_id=case.pk)
    body = api.get(f"/api/cases/{case.reference}/").json()
    assert body["state"] == "in_effect"
    assert body["timeline"][-1]["action"] == "case.in_effect"
    # Retrying and adding an account are the enforcement panel's, not next steps.
    assert body["available_steps"] == ["lift"]
    assert api.post(f"/api/cases/{case.reference}/lift/", {}, format="json").status_code == 400
    reviewer = APIClient()
    reviewer.force_authenticate(people["reviewer1"])
    refused = reviewer.post(f"/api/cases/{case.reference}/lift/", {"reason": "x"}, format="json")
    assert refused.status_code == 403
    lifted = api.post(f"/api/cases/{case.reference}/lift/", {"reason": "Appeal"}, format="json")
    assert lifted.status_code == 202
    assert lifted.json()["state"] == "lifted"


@pytest.mark.usefixtures("committed_db")
def test_the_worker_carries_enforcement_out(people, farm):
    from django.core.management import call_command

    name = unique("Worker banned")
    farm.create_account("enwiki", name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Worker", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforcement.case_enforce(case=case, actor=people["agent"])
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    assert len(office_block(farm, "enwiki", name)) == 1


def test_a_sockpuppet_confirmed_later_is_blocked_on_every_wiki(people, farm):
    from rest_framework.test import APIClient

    name, sock = unique("Original"), unique("Later sock")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
        farm.create_account(dbname, sock)
    subject = services.subject_create(
        actor=people["agent"], display_name="Person", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforce_now(case, people["agent"])
    assert office_block(farm, "dewiki", sock) == []

    api = APIClient()
    api.force_authenticate(people["agent"])
    url = f"/api/cases/{case.reference}/accounts/"
    bad = api.post(url, {"wiki": "frwiki", "username": sock}, format="json")
    assert bad.status_code == 400 and "Unknown wiki 'frwiki'" in bad.json()["message"]
    response = api.post(
        url, {"wiki": "dewiki", "username": sock, "note": "CheckUser match"}, format="json"
    )
    assert response.status_code == 202
    again = api.post(url, {"wiki": "dewiki", "username": sock}, format="json")
    assert again.status_code == 409
    runner.enforcement_run(case_id=case.pk)
    for dbname in ("enwiki", "dewiki"):
        (block,) = office_block(farm, dbname, sock)
        assert block["by"] == "WMFOffice"
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    assert case.subject.accounts.filter(username=sock).exists()


def test_a_time_limited_ban_is_undone_everywhere_when_it_expires(people, farm):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    name = unique("Temporary")
    for dbname in ("enwiki", "dewiki"):
        farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Temp", accounts=[("enwiki", name)]
    )
    ends = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    case = approved(
        people, "global_ban", subject=subject, terms={"expiry": ends.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    enforce_now(case, people["agent"])
    (block,) = office_block(farm, "enwiki", name)
    assert block["expiry"] == ends.strftime("%Y-%m-%dT%H:%M:%SZ")
    queued = DBTaskResult.objects.get(task_path__endswith="expire_task")
    assert queued.run_after == ends

    assert enforcement.case_expire(case_id=case.pk) == "not yet"
    assert enforcement.case_expire(case_id=case.pk, now=ends + timedelta(seconds=1)) == "expired"
    case.refresh_from_db()
    assert case.state == CaseState.EXPIRED
    assert office_block(farm, "enwiki", name) == []
    assert office_block(farm, "dewiki", name) == []
    assert set(case.operations.filter(op="unblock").values_list("state", flat=True)) == {
        State.VERIFIED
    }


def test_an_expiry_in_the_past_or_malformed_is_refused(people, farm):
    subject = services.subject_create(
        actor=people["agent"], display_name="P", accounts=[("enwiki", unique("Past"))]
    )
    for expiry, message in (("2020-01-01", "has passed"), ("next tuesday", "is not a date")):
        case = approved(people, "global_ban", subject=subject, terms={"expiry": expiry})
        with pytest.raises(InvalidInput, match=message):
            enforcement.case_enforce(case=case, actor=people["agent"])


def test_a_range_block_cannot_borrow_the_rule_of_a_case_it_does_not_enforce(people, farm):
    checkuser = services.case_open(actor=people["agent"], kind="checkuser", title="CU")
    with pytest.raises(InvalidInput, match="can enforce only a live global_ban case"):
        services.case_open(
            actor=people["agent"], kind="range_block", title="Sneaky", enforces=checkuser
        )


def test_nothing_done_anywhere_is_not_in_effect(people, farm):
    subject = services.subject_create(
        actor=people["agent"], display_name="Ghost", accounts=[("enwiki", unique("Nobody here"))]
    )
    case = approved(people, "global_ban", subject=subject)
    enforcement.case_enforce(case=case, actor=people["agent"])
    result = runner.enforcement_run(case_id=case.pk)
    assert result.startswith("nothing took effect")
    case.refresh_from_db()
    assert case.state == CaseState.BEING_ENFORCED


def test_an_unexpected_wiki_answer_fails_the_operation_instead_of_hanging(
    people, farm, monkeypatch
):
    name = unique("Odd answer")
    farm.create_account("enwiki", name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Odd", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)

    def broken(*args, **kwargs):
        raise KeyError("block")

    monkeypatch.setattr(runner, "perform", broken)
    enforcement.case_enforce(case=case, actor=people["agent"])
    runner.enforcement_run(case_id=case.pk)
    states = set(case.operations.values_list("state", flat=True))
    assert states == {State.FAILED}
    assert "Unexpected answer from the wiki" in case.operations.first().message
