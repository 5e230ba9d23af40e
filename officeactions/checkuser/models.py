"""Staff CheckUser entries on a case, and what was done with their results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case
from officeactions.policy.checkuser import Purpose, WithholdReason


class CheckUserEntry(models.Model):
    """One use of CheckUser by staff. ``results`` is seen only by the case's staff and is purged
    after the retention period; the rest (the metadata) stays, with the audit trail."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="checkuser_entries")
    purpose = models.CharField(max_length=32, choices=[(p.value, p.label) for p in Purpose])
    justification = models.TextField(help_text="Why there is no other reasonable way")
    targets = models.TextField(help_text="The accounts and IPs checked")
    wiki = models.CharField(max_length=64)
    results = models.TextField(blank=True)
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    performed_at = models.DateTimeField(default=timezone.now)
    results_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-performed_at", "-pk"]
        indexes = [
            # The purge looks for results still held past the retention period.
            models.Index(
                fields=["performed_at"],
                condition=models.Q(results_purged_at__isnull=True),
                name="checkuser_results_held_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(justification=""), name="checkuser_justification_required"
            )
        ]

    def __str__(self) -> str:
        return f"CheckUser entry {self.pk} on case {self.case_id}"


class CheckUserDisclosure(models.Model):
    """Results shared with named stewards, or withheld with the policy's reason."""

    class Decision(models.TextChoices):
        SHARED = "shared"
        WITHHELD = "withheld"

    entry = models.ForeignKey(CheckUserEntry, on_delete=models.PROTECT, related_name="disclosures")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    stewards = models.JSONField(default=list)
    withhold_reason = models.CharField(
        max_length=32, blank=True, choices=[(r.value, r.label) for r in WithholdReason]
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision} for entry {self.entry_id}"
