"""Reads: which appeals a person may see, and the counts the public reports use."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from officeactions.accounts.roles import user_roles
from officeactions.appeals.models import Appeal
from officeactions.cases.models import Case
from officeactions.cases.selectors import cases_visible_to
from officeactions.errors import NotFound
from officeactions.policy import Role
from officeactions.policy.appeals import AppealStatus, Outcome
from officeactions.policy.catalog import AppealRoute

# Whoever looks: a signed-in person, or nobody (who sees no appeal).
Viewer = User | AnonymousUser

# The committee sees an appeal once legal counsel approved it for review, never before.
COMMITTEE_STATUSES = [
    AppealStatus.IN_REVIEW,
    AppealStatus.UPHELD,
    AppealStatus.MODIFIED,
    AppealStatus.OVERTURNED,
]


def appeals_visible_to(user: Viewer) -> QuerySet[Appeal]:
    """Staff see the appeals of cases they may see; the Case Review Committee sees the appeals
    routed to it after counsel's approval; nobody else sees any."""
    roles = user_roles(user)
    visible = Q(case__in=cases_visible_to(user).values("pk"))
    if Role.CASE_REVIEW_COMMITTEE in roles:
        visible |= Q(route=AppealRoute.CASE_REVIEW_COMMITTEE, status__in=COMMITTEE_STATUSES)
    if not roles:
        return Appeal.objects.none()
    return Appeal.objects.filter(visible).select_related("case")


def appeal_queue(user: Viewer) -> QuerySet[Appeal]:
    """Open appeals first (oldest first), then decided ones, newest first."""
    return appeals_visible_to(user).order_by("decided_at", "filed_at", "pk")


def appeal_get_visible(user: Viewer, reference: str) -> Appeal:
    appeal = appeals_visible_to(user).filter(reference=reference.upper()).first()
    if appeal is None:
        raise NotFound(f"No appeal {reference} that you can see.")
    return appeal


def appeals_of_case(case: Case, user: Viewer) -> QuerySet[Appeal]:
    return appeals_visible_to(user).filter(case=case)


def appeal_counts(start: datetime, end: datetime) -> dict[str, int]:
    """For the public reports: appeals filed in [start, end), and outcomes decided in it.
    Counts only, one aggregate query; nothing about any case or person."""
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    counts = Appeal.objects.aggregate(
        filed=Count("pk", filter=Q(filed_at__gte=start, filed_at__lt=end)),
        **{o.value: Count("pk", filter=decided & Q(status=o.value)) for o in Outcome},
    )
    return {name: int(value or 0) for name, value in counts.items()}
