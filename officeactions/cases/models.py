from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from officeactions.cases.configured import catalog
from officeactions.policy import CATALOG, Team
from officeactions.policy.catalog import ActionKind
from officeactions.policy.clocks import ClockState, DelayReason, clock_state
from officeactions.policy.workflow import CLOSED_STATES, CaseState

OPEN_STATES = sorted(s.value for s in CaseState if s not in CLOSED_STATES)

# Crockford base32 without look-alike letters: references are read aloud and typed by hand.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    # 32 letters: the low five bits of a random byte pick one uniformly (256 = 8 x 32).
    body = "".join(_REFERENCE_ALPHABET[b & 31] for b in secrets.token_bytes(8))
    return f"OA-{body[:4]}-{body[4:]}"


def validate_address(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an IP address or a CIDR range: {exc}") from exc


class Subject(models.Model):
    """A person an office action may be about. A ban is against the person, not a username."""

    display_name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_name


class SubjectAccount(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="accounts")
    wiki = models.CharField(max_length=64, help_text="Wiki database name, e.g. enwiki")
    username = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "wiki", "username"], name="subject_account_unique"
            )
        ]
        ordering = ["wiki", "username"]

    def __str__(self) -> str:
        return f"{self.username}@{self.wiki}"


class SubjectAddress(models.Model):
    """An IP address or range (CIDR) the person uses or may use."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=49, validators=[validate_address])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "address"], name="subject_address_unique")
        ]
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class CaseQuerySet(models.QuerySet["Case"]):
    def with_list_data(self) -> CaseQuerySet:
        return self.select_related("subject", "created_by")


# Set only while the move service (cases.moves) changes a case's state; anywhere else an
# assignment to Case.state raises, so no code can skip the workflow table or the audit entry.
_STATE_MOVE: ContextVar[bool] = ContextVar("case_state_move", default=False)


@contextmanager
def state_move() -> Iterator[None]:
    token = _STATE_MOVE.set(True)
    try:
        yield
    finally:
        _STATE_MOVE.reset(token)


class Case(models.Model):
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=32, choices=CATALOG.choices())
    team = models.CharField(max_length=32)
    # Changed only by the move service (officeactions.cases.moves), one step at a time.
    state = models.CharField(
        max_length=32,
        choices=[(s.value, s.label) for s in CaseState],
        default=CaseState.RECEIVED,
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    enforces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enforced_by",
        help_text="The office action this one enforces (a range block enforcing a global ban).",
    )
    received_at = models.DateTimeField(default=timezone.now)
    # The policy's response target, computed once at receipt (officeactions.policy.clocks).
    due_at = models.DateTimeField(null=True, blank=True)
    # When the case was first decided (closed at triage, or decided after review): the
    # response time the transparency report measures against the target.
    decided_at = models.DateTimeField(null=True, blank=True)
    # 0 sorts first in every queue (child protection), then 1 for everything else.
    queue_priority = models.PositiveSmallIntegerField(default=1)
    # Where one person may act at once (child protection), a second review is due by then.
    follow_up_due_at = models.DateTimeField(null=True, blank=True)
    follow_up_after = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseAssignment", related_name="assigned_cases"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["kind"]),
            # The staff queue: open cases by urgency (see selectors.case_queue).
            models.Index(
                fields=["queue_priority", "due_at", "received_at"],
                condition=models.Q(state__in=OPEN_STATES),
                # Covering on PostgreSQL: the visibility filter and the queue's count are
                # answered from the index alone (index-only scan), without visiting the table.
                include=["kind", "team", "state", "id"],
                name="case_queue_idx",
            ),
        ]

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "state" and "state" in self.__dict__ and not _STATE_MOVE.get():
            raise AttributeError(
                "A case's state changes only through a step of the workflow "
                "(officeactions.cases.moves.case_move), never by assignment."
            )
        super().__setattr__(name, value)

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        with state_move():  # the database's state, read back, is no move
            super().refresh_from_db(*args, **kwargs)

    @property
    def action_kind(self) -> ActionKind:
        return catalog().get(self.kind)

    @property
    def case_state(self) -> CaseState:
        return CaseState(self.state)

    @property
    def team_label(self) -> str:
        return Team(self.team).label

    def clock(self, now: datetime | None = None) -> ClockState:
        return clock_state(self.received_at, self.due_at, now or timezone.now())


class CaseDelay(models.Model):
    """Why a case takes longer than its target; shown on the case and in the queue."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="delays")
    reason = models.CharField(max_length=32, choices=[(r.value, r.label) for r in DelayReason])
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.reason} on case {self.case_id}"


class FollowUpReview(models.Model):
    """The second review that follows an action one person took alone."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_up_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    comment = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    in_time = models.BooleanField()

    def __str__(self) -> str:
        return f"second review of case {self.case_id}"


class CaseReminder(models.Model):
    """A reminder sent about a case's response target; at most one of each per case."""

    class Which(models.TextChoices):
        DUE_SOON = "due_soon"
        OVERDUE = "overdue"
        FOLLOW_UP = "follow_up", "second review due"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    which = models.CharField(max_length=16, choices=Which.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "which"], name="one_reminder_of_each_kind")
        ]

    def __str__(self) -> str:
        return f"{self.which} reminder for case {self.case_id}"


class CaseAssignment(models.Model):
    """The staff on a case: for a confidential case, the people who may see it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} on case {self.case_id}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(url="") & models.Q(note="")), name="evidence_not_empty"
            )
        ]

    def __str__(self) -> str:
        return self.url or self.note[:60]


class ProposedAction(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        DECLINED = "declined"
        WITHDRAWN = "withdrawn"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    rationale = models.TextField()
    terms = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_proposal_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} ({self.status})"


class Review(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve"
        DECLINE = "decline"

    proposal = models.ForeignKey(ProposedAction, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    reviewer_roles = models.JSONField(default=list, help_text="The roles held when reviewing")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # Two approvals by one person never count twice, however they race.
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="one_review_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.reviewer_id}"
