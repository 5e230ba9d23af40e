"""Staff CheckUser: entries need a purpose and a justification; results reach only the case's
staff; sharing and withholding are recorded; results past retention are purged."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from officeactions import periodic
from officeactions.audit.models import AuditEntry
from officeactions.cases import services as case_services
from officeactions.checkuser import services
from officeactions.checkuser.models import CheckUserDisclosure, CheckUserEntry
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from tests.helpers import sign_in

SECRET = "198.51.100.23 shared by Sock1 and Sock2"


@pytest.fixture
def cu_case(people, open_case):
    """A staff CheckUser case: `agent` and `reviewer1` are on it, and the read-only `auditor`;
    `agent2` (same team, not on it) is not."""
    case = open_case("checkuser")
    for who in ("reviewer1", "auditor"):
        case_services.case_assign(case=case, actor=people["agent"], user=people[who])
    return case


def record(case, actor, **changes):
    data = {
        "purpose": "global_ban_enforcement",
        "justification": "The sockpuppet report cannot be confirmed from public edits.",
        "wiki": "enwiki",
        "targets": "Sock1, Sock2",
        "results": SECRET,
        **changes,
    }
    return services.checkuser_record(case=case, actor=actor, **data)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"purpose": ""}, "one of the policy's purposes"),
        ({"purpose": "curiosity"}, "one of the policy's purposes"),
        ({"justification": "   "}, "no other reasonable way"),
        ({"targets": ""}, "Accounts or IPs checked"),
        ({"wiki": ""}, "Wiki"),
    ],
)
def test_an_entry_without_purpose_or_justification_is_refused(people, cu_case, changes, message):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match=message):
        record(cu_case, people["agent"], **changes)
    assert not CheckUserEntry.objects.exists() and AuditEntry.objects.count() == before


def test_only_case_staff_record_entries(people, cu_case):
    with pytest.raises(NotFound):
        record(cu_case, people["agent2"])  # not on a case_staff case: cannot see it
    with pytest.raises(NotPermitted):
        record(cu_case, people["reviewer1"])  # on the case, but not Trust & Safety staff
    with pytest.raises(NotFound):
        record(cu_case, people["steward"])


def test_results_reach_only_the_case_staff_in_page_api_exports_audit_and_logs(
    people, cu_case, client, caplog
):
    caplog.set_level(logging.DEBUG)
    entry = record(cu_case, people["agent"])
    ref = cu_case.reference
    sign_in(client, people["agent"])
    assert SECRET in client.get(reverse("cases:detail", args=[ref])).content.decode()
    (item,) = client.get(f"/api/cases/{ref}/checkuser/").json()
    assert item["results"] == SECRET and item["purpose"] == "global_ban_enforcement"

    # Other staff on the case see the results too; the read-only auditor on it does not.
    sign_in(client, people["reviewer1"])
    assert SECRET in client.get(reverse("cases:detail", args=[ref])).content.decode()
    sign_in(client, people["auditor"])
    page = client.get(reverse("cases:detail", args=[ref])).content.decode()
    assert "Global ban enforcement" in page and SECRET not in page and "Sock1" not in page
    (item,) = client.get(f"/api/cases/{ref}/checkuser/").json()
    assert item["results"] is None and item["targets"] is None
    for who in ("agent2", "crc", "steward", "outsider"):
        sign_in(client, people[who])
        assert client.get(reverse("cases:detail", args=[ref])).status_code == 404
        assert client.get(f"/api/cases/{ref}/checkuser/").status_code == 404
        assert SECRET not in client.get(f"/api/cases/{ref}/").content.decode()
    client.logout()
    for url in (
        "/transparency/office-actions/",
        "/transparency/global-bans/",
        "/transparency/office-actions/?format=csv",
        "/transparency/office-actions/?format=json",
    ):
        assert SECRET not in client.get(url).content.decode()
    assert not AuditEntry.objects.filter(reason__contains="198.51.100.23").exists()
    assert all("198.51.100.23" not in str(e.data) for e in AuditEntry.objects.all())
    assert "198.51.100.23" not in caplog.text
    assert entry.results == SECRET


def test_sharing_with_named_stewards_and_withholding_are_recorded_and_audited(people, cu_case):
    entry = record(cu_case, people["agent"])
    with pytest.raises(InvalidInput, match="Name the stewards"):
        services.checkuser_share(entry=entry, actor=people["agent"], stewards=[" "])
    with pytest.raises(InvalidInput, match="Not stewards: outsider"):
        services.checkuser_share(
            entry=entry, actor=people["agent"], stewards=["steward", "outsider"]
        )
    with pytest.raises(InvalidInput, match="Withholding needs a reason"):
        services.checkuser_withhold(entry=entry, actor=people["agent"], reason="mood")
    with pytest.raises(NotFound):
        services.checkuser_share(entry=entry, actor=people["agent2"], stewards=["steward"])
    assert not CheckUserDisclosure.objects.exists()

    services.checkuser_share(entry=entry, actor=people["agent"], stewards=["steward"])
    services.checkuser_withhold(
        entry=entry, actor=people["agent"], reason="law_enforcement", note="Police inquiry open."
    )
    assert list(entry.disclosures.values_list("decision", "stewards", "withhold_reason")) == [
        ("shared", ["steward"], ""),
        ("withheld", [], "law_enforcement"),
    ]
    actions = AuditEntry.objects.filter(object_type="checkuser").values_list("action", flat=True)
    assert list(actions) == ["checkuser.record", "checkuser.share", "checkuser.withhold"]


def test_results_past_retention_are_purged_by_the_worker_leaving_metadata_and_audit(
    people, cu_case, settings, monkeypatch
):
    settings.OFFICEACTIONS_CHECKUSER_RETENTION_DAYS = 90
    old = record(cu_case, people["agent"])
    fresh = record(cu_case, people["agent"], results="recent result")
    CheckUserEntry.objects.filter(pk=old.pk).update(
        performed_at=timezone.now() - timedelta(days=91)
    )
    from officeactions.checkuser.tasks import checkuser_purge_task

    result = checkuser_purge_task.call()
    assert result == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.results == "" and old.results_purged_at is not None
    assert old.purpose == "global_ban_enforcement" and old.justification  # metadata stays
    assert fresh.results == "recent result"
    assert AuditEntry.objects.filter(action="checkuser.purge", object_id=str(old.pk)).count() == 1
    assert AuditEntry.objects.filter(action="checkuser.record", object_id=str(old.pk)).exists()
    with pytest.raises(StepRefused, match="purged"):
        services.checkuser_share(entry=old, actor=people["agent"], stewards=["steward"])
    # Run again (the command): nothing left to purge, nothing audited twice.
    call_command("checkuser_purge")
    assert AuditEntry.objects.filter(action="checkuser.purge").count() == 1


def test_the_worker_schedules_the_purge(db):
    from django_tasks_db.models import DBTaskResult

    periodic.start()
    assert DBTaskResult.objects.filter(task_path__endswith="checkuser_purge_task").exists()


def test_pages_and_api_answer_bad_input_with_400(people, cu_case, client):
    sign_in(client, people["agent"])
    ref = cu_case.reference
    response = client.post(
        reverse("checkuser:new", args=[ref]), {"purpose": "", "justification": ""}
    )
    assert response.status_code == 400 and "purposes" in response.content.decode()
    response = client.post(
        f"/api/cases/{ref}/checkuser/",
        {"purpose": "legal_dispute"},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/cases/{ref}/checkuser/",
        {
            "purpose": "legal_dispute",
            "justification": "Claims in the lawsuit can only be checked this way.",
            "wiki": "enwiki",
            "targets": "Claimant",
            "results": "one account",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    pk = response.json()[0]["id"]
    response = client.post(
        f"/api/cases/{ref}/checkuser/{pk}/withhold/",
        {"reason": "safety"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (
        client.post(
            f"/api/cases/{ref}/checkuser/999/share/",
            {"stewards": ["steward"]},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert not CheckUserEntry.objects.filter(purpose="").exists()


def test_on_a_case_all_staff_may_see_the_results_stay_with_its_staff(people, open_case, client):
    ban = open_case("global_ban")  # visible to every staff role
    record(ban, people["agent"])
    sign_in(client, people["reviewer2"])  # may see the ban, is not on it
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert "No other reasonable way" in page and SECRET not in page
    (item,) = client.get(f"/api/cases/{ban.reference}/checkuser/").json()
    assert item["justification"] and item["results"] is None and item["targets"] is None
    with pytest.raises(NotPermitted):
        record(ban, people["agent2"])  # T&S staff, but not on the case
