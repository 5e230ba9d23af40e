"""The staff queue by urgency, delay reasons, and reminders through the real task worker."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from officeactions.cases import reminders, selectors, services
from officeactions.cases.models import CaseReminder
from officeactions.errors import InvalidInput, StepRefused
from tests.helpers import sign_in, walk

DAY = timedelta(days=1)


@pytest.fixture
def mixed_queue(people, open_case):
    now = timezone.now()
    return {
        "on_track": open_case("global_ban", received_at=now - 2 * DAY),
        "no_target": open_case("rights_removal", received_at=now - 60 * DAY),
        "overdue": open_case("event_ban", received_at=now - 40 * DAY),
        "due_soon": open_case("global_ban", received_at=now - 25 * DAY),
        "child": open_case("child_protection", received_at=now - timedelta(hours=1)),
        "overdue_more": open_case("dmca_takedown", received_at=now - 30 * DAY),
        "closed": walk(
            open_case("global_ban", received_at=now - 90 * DAY),
            (people["agent"], "defer", "community"),
        ),
    }


def test_child_protection_first_then_overdue_then_due_soonest(people, mixed_queue):
    order = [c.reference for c in selectors.case_queue(people["designee"])]
    names = {c.reference: n for n, c in mixed_queue.items()}
    assert [names[r] for r in order] == [
        "child",
        "overdue_more",
        "overdue",
        "due_soon",
        "on_track",
        "no_target",
    ]


def test_the_queue_page_flags_overdue_and_due_soon(people, mixed_queue, client):
    sign_in(client, people["agent"])
    page = client.get(reverse("cases:list")).content.decode()
    assert mixed_queue["closed"].reference not in page
    assert mixed_queue["child"].reference not in page  # agent is not designated staff
    row = page[page.index(mixed_queue["overdue"].reference) :].split("</tr>")[0]
    assert "OVERDUE" in row
    row = page[page.index(mixed_queue["due_soon"].reference) :].split("</tr>")[0]
    assert "DUE SOON" in row
    everything = client.get(reverse("cases:list") + "?show=all").content.decode()
    assert mixed_queue["closed"].reference in everything


def test_the_queue_api_and_its_query_count_does_not_grow_with_the_page(
    people, mixed_queue, open_case
):
    for _ in range(12):
        open_case("event_ban")
    api = APIClient()
    api.force_authenticate(people["designee"])
    counts = {}
    for limit in (2, 15):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/queue/?limit={limit}").json()
        assert len(body["results"]) == limit
        counts[limit] = len(queries)
    assert counts[2] == counts[15]
    first = api.get("/api/queue/?limit=3").json()["results"]
    assert [r["urgency"] for r in first] == ["on_track", "overdue", "overdue"]
    assert first[0]["kind"] == "child_protection"


def test_a_delay_reason_is_recorded_and_shown(people, mixed_queue, client):
    case = mixed_queue["overdue"]
    with pytest.raises(InvalidInput, match="needs a note"):
        services.case_delay_record(case=case, actor=people["agent"], reason="other")
    with pytest.raises(InvalidInput, match="Unknown delay reason"):
        services.case_delay_record(case=case, actor=people["agent"], reason="lazy")
    services.case_delay_record(
        case=case, actor=people["agent"], reason="new_information", note="New diffs arrived."
    )
    sign_in(client, people["agent"])
    queue = client.get(reverse("cases:list")).content.decode()
    row = queue[queue.index(case.reference) :].split("</tr>")[0]
    assert "delay: New information received" in row
    detail = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "New diffs arrived." in detail
    with pytest.raises(StepRefused, match="closed"):
        services.case_delay_record(
            case=mixed_queue["closed"], actor=people["agent"], reason="request_expanded"
        )


def test_a_reminder_goes_once_to_the_staff_on_the_case(
    people, open_case, django_capture_on_commit_callbacks
):
    people["agent"].email = "agent@office.example"
    people["agent"].save()
    case = open_case("event_ban", received_at=timezone.now() - 40 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.case_remind(case_id=case.pk, which="overdue") == "sent to 1"
        assert reminders.case_remind(case_id=case.pk, which="overdue") == "already sent"
    (message,) = mail.outbox
    assert message.to == ["agent@office.example"]
    assert case.reference in message.subject
    assert "Past its response target" in message.subject
    walk(case, (people["agent"], "decline_request", "no"))
    assert reminders.case_remind(case_id=case.pk, which="due_soon") == "closed"


def test_opening_a_case_queues_its_reminders(people, open_case):
    case = open_case("global_ban")
    queued = DBTaskResult.objects.filter(args_kwargs__args__0=case.pk)
    assert sorted(t.run_after for t in queued) == sorted(
        [case.due_at - (case.due_at - case.received_at) / 4, case.due_at]
    )
    assert not DBTaskResult.objects.filter(args_kwargs__args__0=open_case("checkuser").pk).exists()


@pytest.mark.usefixtures("committed_db")
def test_the_worker_sends_reminders_when_they_fall_due(people, open_case, settings):
    people["agent"].email = "agent@office.example"
    people["agent"].save()
    overdue = open_case("event_ban", received_at=timezone.now() - 40 * DAY)
    future = open_case("global_ban")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    sent = set(CaseReminder.objects.values_list("case__reference", "which"))
    assert sent == {(overdue.reference, "due_soon"), (overdue.reference, "overdue")}
    assert future.reference not in {ref for ref, _ in sent}
    assert {m.to[0] for m in mail.outbox} == {"agent@office.example"}
