"""Removal of advanced rights on a real wiki: the no-rights period and the criteria recorded and
shown, a re-grant during the period caught, and reapplications checked against both."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from officeactions.cases import services
from officeactions.cases.configured import office_time_zone
from officeactions.enforcement import services as enforcement
from officeactions.enforcement import watch
from officeactions.errors import InvalidInput
from officeactions.policy.sanctions import add_months
from officeactions.policy.workflow import CaseState
from tests.helpers import approved, db_snapshot, enforce_now, sign_in, walk
from tests.wikis import unique

CRITERIA = ["A new request for adminship", "No blocks during the period"]


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


def terms(name, **changes):
    return {
        "wiki": "enwiki",
        "username": name,
        "groups": "sysop",
        "no_rights_period": "12 months",
        "reapply_criteria": "\n".join(CRITERIA),
        **changes,
    }


@pytest.fixture
def removal(people, farm):
    name = unique("Functionary")
    farm.create_account("enwiki", name)
    with farm.office("enwiki") as client:
        client.change_groups(name, reason="setup", add=["sysop"])
    case = approved(people, "rights_removal", terms=terms(name))
    enforce_now(case, people["agent"])
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    case.username = name
    return case


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_regrant_during_the_period_is_caught_named_and_shown_with_the_period(
    people, farm, removal, client
):
    today = timezone.localdate(timezone=office_time_zone())
    ends = add_months(today, 12)
    detail = api_for(people["agent"]).get(f"/api/cases/{removal.reference}/").json()
    assert detail["no_rights_period"] == {
        "period": "12 months",
        "permanent": False,
        "criteria": CRITERIA,
        "removed_on": today.isoformat(),
        "ends_on": ends.isoformat(),
        "regranted_during_period_by": [],
    }
    watch.revert_watch_run()  # catch up with the log so far
    with farm.rogue_client("enwiki") as rogue:
        rogue.change_groups(removal.username, reason="Trust restored, I say", add=["sysop"])
    (incident,) = watch.revert_watch_run()
    assert incident.wiki_user == "Rogue Admin"
    assert incident.reapplied
    with farm.office("enwiki") as client_:
        assert "sysop" not in client_.user(removal.username)["groups"]
    detail = api_for(people["agent"]).get(f"/api/cases/{removal.reference}/").json()
    assert detail["no_rights_period"]["regranted_during_period_by"] == ["Rogue Admin"]
    sign_in(client, people["reviewer2"])
    page = client.get(reverse("cases:detail", args=[removal.reference])).content.decode()
    assert "by Rogue Admin" in page
    assert f"during the no-rights period (12 months, until {ends:%Y-%m-%d})" in page
    assert "No blocks during the period" in page


def test_reapplications_are_checked_against_the_date_and_the_criteria(people, removal, client):
    api = api_for(people["agent"])
    url = f"/api/cases/{removal.reference}/reapplication-checks/"
    today = timezone.localdate(timezone=office_time_zone())
    ends = add_months(today, 12)

    body = {"applied_on": today.isoformat(), "criteria_met": CRITERIA}
    early = api.post(url, body, format="json")
    assert early.status_code == 201
    (check,) = early.json()["reapplication_checks"]
    assert check["outcome"] == "too_early"
    assert f"ends on {ends:%Y-%m-%d}" in check["message"]

    later = (ends + timedelta(days=1)).isoformat()
    unmet = api.post(url, {"applied_on": later, "criteria_met": CRITERIA[:1]}, format="json")
    latest = unmet.json()["reapplication_checks"][0]
    assert latest["outcome"] == "criteria_unmet"
    assert "No blocks during the period" in latest["message"]
    assert "A new request" not in latest["message"]

    ok = api.post(url, {"applied_on": later, "criteria_met": CRITERIA, "note": "RfA filed"})
    assert ok.status_code == 201
    assert ok.json()["reapplication_checks"][0]["outcome"] == "may_reapply"

    # The page shows every check and offers the criteria as choices.
    sign_in(client, people["agent2"])
    r = client.post(
        reverse("cases:reapplication", args=[removal.reference]),
        {"applied_on": today.isoformat(), "criteria_met": [CRITERIA[0]]},
    )
    assert r.status_code == 302
    page = client.get(reverse("cases:detail", args=[removal.reference])).content.decode()
    assert page.count("refused: too early") == 2 and "may reapply" in page


def test_bad_reapplication_checks_get_a_clear_400_and_store_nothing(people, removal):
    api = api_for(people["agent"])
    url = f"/api/cases/{removal.reference}/reapplication-checks/"
    before = db_snapshot()
    for body, message in (
        ({"applied_on": "31/12/2027"}, "applied_on"),
        ({}, "applied_on"),
        ({"applied_on": "2099-01-01", "criteria_met": ["Bribed a steward"]}, "not criteria"),
        ({"applied_on": "2001-01-01"}, "predates the removal"),
    ):
        r = api.post(url, body, format="json")
        assert r.status_code == 400, body
        assert message in str(r.json()), body
    forbidden = api_for(people["reviewer1"]).post(url, {"applied_on": "2099-01-01"})
    assert forbidden.status_code == 403
    assert db_snapshot() == before
    assert not removal.reapplication_checks.exists()


def test_a_reapplication_is_checked_only_where_there_is_a_period_in_effect(people, open_case):
    ban = open_case("global_ban")
    r = api_for(people["agent"]).post(
        f"/api/cases/{ban.reference}/reapplication-checks/", {"applied_on": "2030-01-01"}
    )
    assert r.status_code == 409 and "no no-rights period" in r.json()["message"]


def test_a_removal_proposal_needs_a_countable_period_and_criteria(people, open_case):
    agent = people["agent"]
    case = walk(open_case("rights_removal"), (agent, "accept"), (agent, "start_investigation"))
    before = db_snapshot()
    for changes, message in (
        ({"no_rights_period": "until they apologise"}, "is not understood"),
        ({"reapply_criteria": "-\n •"}, "at least one"),
        ({"groups": "sysop; bureaucrat"}, "MediaWiki group names"),
    ):
        with pytest.raises(InvalidInput, match=message):
            services.proposal_create(
                case=case, actor=agent, rationale="Breach of trust.", terms=terms("A", **changes)
            )
    assert db_snapshot() == before


def test_removing_a_group_the_wiki_does_not_have_is_refused_before_anything_is_stored(people, farm):
    name = unique("Functionary")
    farm.create_account("enwiki", name)
    case = approved(people, "rights_removal", terms=terms(name, groups="sysop, overlord"))
    before = db_snapshot()
    with pytest.raises(InvalidInput, match=r"enwiki has no group overlord; its groups: .*sysop"):
        enforcement.case_enforce(case=case, actor=people["agent"])
    r = api_for(people["agent"]).post(f"/api/cases/{case.reference}/enforce/", {})
    assert r.status_code == 400 and r.json()["extra"] == {"unknown_groups": ["overlord"]}
    assert db_snapshot() == before
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and not case.operations.exists()
