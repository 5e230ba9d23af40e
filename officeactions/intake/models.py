"""What comes in from the public: requesters, their requests, and abuse of the channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case, new_reference
from officeactions.policy import CATALOG


class Requester(models.Model):
    """A person who files requests, recognised by verified email and, where given, username."""

    email = models.EmailField(unique=True, help_text="Stored lower-cased")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    wiki_username = models.CharField(max_length=255, blank=True, db_index=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    lockout_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email

    def locked_at(self, now) -> bool:
        return self.locked_until is not None and self.locked_until > now


class Request(models.Model):
    """A request as the requester sent it. Once complete, it becomes a case (same reference)."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", "Incomplete"
        SUBMITTED = "submitted", "Submitted"

    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    requester = models.ForeignKey(
        Requester, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="request"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    action_requested = models.CharField(max_length=32, blank=True, choices=CATALOG.choices())
    summary = models.TextField(blank=True)
    community_evidence = models.JSONField(
        default=list, help_text="URLs of earlier attempts through local community processes"
    )
    no_community_process_reason = models.TextField(blank=True)
    supporting_information = models.TextField(blank=True)
    ncmec_report = models.CharField(
        max_length=64, blank=True, help_text="NCMEC report or case id, if already reported"
    )
    requester_name = models.CharField(max_length=200, blank=True)
    requester_username = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Only a hash of the private status link's token is kept; the token is derived from the
    # nonce with the secret key (intake.services.status_token).
    status_token_hash = models.CharField(max_length=64, unique=True)
    token_nonce = models.CharField(max_length=32)
    # Set by the worker once the request is filed (case opened, audited, requester emailed).
    filed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, db_index=True)
    duplicates = models.PositiveIntegerField(default=0)
    last_duplicate_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["requester", "content_hash", "received_at"]),
            # The filing tasks' "not yet filed": a handful among millions.
            models.Index(
                fields=["id"], condition=models.Q(filed_at__isnull=True), name="request_unfiled_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RequesterMessage(models.Model):
    """What the requester is told on their status page (and by email)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class AbuseMark(models.Model):
    class Outcome(models.TextChoices):
        WARNING = "warning"
        LOCKOUT = "lockout"

    requester = models.ForeignKey(Requester, on_delete=models.PROTECT, related_name="abuse")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    seriousness = models.PositiveSmallIntegerField()
    bad_faith = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    lockout_days = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seriousness__gte=1, seriousness__lte=3),
                name="abuse_seriousness_1_to_3",
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome} for requester {self.requester_id}"


class RefusedSubmission(models.Model):
    """A submission refused because its requester is locked out: refused, but on record."""

    requester = models.ForeignKey(Requester, on_delete=models.PROTECT, related_name="refused")
    action_requested = models.CharField(max_length=32, blank=True)
    summary = models.TextField(blank=True)
    refused_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"refused submission of requester {self.requester_id}"
