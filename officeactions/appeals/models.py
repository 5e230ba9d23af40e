"""Appeals of office actions (and of decisions not to take one), and modifications of actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case, new_reference
from officeactions.policy.appeals import Against, AppealStatus, Appellant, Modification
from officeactions.policy.catalog import AppealRoute


class ActionModification(models.Model):
    """A change to an action in effect, classed as the policy needs it: an extension never
    reopens the appeal window, a substantial atypical modification does."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="modifications")
    kind = models.CharField(max_length=32, choices=[(m.value, m.label) for m in Modification])
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} of case {self.case_id}"


class Appeal(models.Model):
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    appellant = models.CharField(max_length=16, choices=[(a.value, a.value) for a in Appellant])
    # The subject names the account they appeal as; the requester is known by their request.
    appellant_wiki = models.CharField(max_length=64, blank=True)
    appellant_username = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(blank=True)
    against = models.CharField(max_length=16, choices=[(a.value, a.value) for a in Against])
    grounds = models.TextField(help_text="Why the decision was inappropriate")
    route = models.CharField(max_length=32, choices=[(r.value, r.value) for r in AppealRoute])
    status = models.CharField(
        max_length=24,
        choices=[(s.value, s.label) for s in AppealStatus],
        default=AppealStatus.AWAITING_COUNSEL,
    )
    window_closes_at = models.DateTimeField()
    filed_at = models.DateTimeField(default=timezone.now)
    # Only a hash of the private status link's token is kept (as for requests).
    status_token_hash = models.CharField(max_length=64, unique=True)
    token_nonce = models.CharField(max_length=32)
    counsel = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counsel_at = models.DateTimeField(null=True, blank=True)
    counsel_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(blank=True)
    new_terms = models.TextField(blank=True, help_text="For a modified outcome: the new terms")
    # An overturn decided by the committee is lifted on the wikis by the case's staff.
    lift_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "filed_at"]),
            models.Index(fields=["filed_at"]),
            models.Index(fields=["decided_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="modified") | ~models.Q(new_terms=""),
                name="modified_appeal_has_new_terms",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def appeal_status(self) -> AppealStatus:
        return AppealStatus(self.status)
