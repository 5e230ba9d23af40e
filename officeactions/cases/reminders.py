"""Reminders of a case's response target (due soon, overdue) and the alert a kind asks for when a
case of it opens; queued with the case, sent by the worker."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from officeactions.audit.services import audit_append
from officeactions.cases.models import (
    Case,
    CaseReminder,
)
from officeactions.cases.selectors import (
    cases_visible_to,
)
from officeactions.cases.tasks import case_reminder
from officeactions.notify import notify, public_url
from officeactions.policy import Team
from officeactions.policy.clocks import due_soon_at
from officeactions.policy.workflow import (
    CLOSED_STATES,
)


def case_alert(case: Case, roles) -> None:
    """An immediate alert to the roles the catalog names (child protection's designated staff);
    it says that there is a case, never what it is about."""
    User = get_user_model()
    to = list(
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in roles])
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    context = {"case": case, "case_url": public_url(reverse("cases:detail", args=[case.reference]))}
    transaction.on_commit(lambda: notify("case_alert", to, context))


def reminders_schedule(case: Case) -> None:
    """Queue the due-soon and overdue reminders. The task queue lives in the same database,
    so they are queued if and only if the case itself commits."""
    if case.due_at is None:
        return
    soon = due_soon_at(case.received_at, case.due_at)
    for which, when in (
        (CaseReminder.Which.DUE_SOON, soon),
        (CaseReminder.Which.OVERDUE, case.due_at),
    ):
        case_reminder.using(run_after=when).enqueue(case.pk, which.value)


def _reminder_recipients(case: Case) -> list[str]:
    """The staff on the case; if nobody is yet, the owning team members who may see it."""
    User = get_user_model()
    assigned = list(case.assignees.filter(is_active=True).exclude(email=""))
    if assigned:
        return [u.email for u in assigned]
    team_role = Team(case.team).member_role
    members = User.objects.filter(is_active=True, groups__name=team_role.value).exclude(email="")
    return [u.email for u in members if cases_visible_to(u).filter(pk=case.pk).exists()]


@transaction.atomic
def case_remind(*, case_id: int, which: str) -> str:
    """Send one reminder about a case's target, once; nothing for a case that is closed."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        return "no such case"
    if case.case_state in CLOSED_STATES and which != CaseReminder.Which.FOLLOW_UP:
        return "closed"
    if CaseReminder.objects.filter(case=case, which=which).exists():
        return "already sent"
    if which == CaseReminder.Which.FOLLOW_UP and case.follow_up_reviews.exists():
        return "second review done"
    recipients = _reminder_recipients(case)
    CaseReminder.objects.create(case=case, which=which, recipients=len(recipients))
    audit_append(
        actor=None,
        action=f"case.reminder_{which}",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"recipients": len(recipients)},
    )
    context = {
        "case": case,
        "overdue": which == CaseReminder.Which.OVERDUE,
        "follow_up": which == CaseReminder.Which.FOLLOW_UP,
        "kind_name": case.action_kind.name,
        "target": case.action_kind.response.describe() if case.action_kind.response else "",
        "case_url": public_url(reverse("cases:detail", args=[case.reference])),
    }
    transaction.on_commit(lambda: notify("case_reminder", recipients, context))
    return f"sent to {len(recipients)}"
