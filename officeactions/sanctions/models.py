"""Sanctions around a person: conduct warnings, reapplying after a removal of advanced rights,
and reports against a ban (sockpuppets, proxies, interference).

The tables keep the names they had when these records lived in the cases and enforcement apps,
so that moving the code moved no data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case


class ConductWarning(models.Model):
    """The warning drafted from the template, as reviewed, and when it was issued.

    Confidential: seen only through its case (staff on the case), never in public output.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="conduct_warning")
    recipient_email = models.EmailField(max_length=254)
    conduct = models.TextField(help_text="The behaviour the warning is about")
    expectations = models.TextField(help_text="The corrective measures expected")
    text = models.TextField(help_text="The message as drafted from the template and reviewed")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    drafted_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "cases_conductwarning"

    def __str__(self) -> str:
        return f"conduct warning on case {self.case_id}"


class ReapplicationCheck(models.Model):
    """A reapplication for advanced rights checked against the removal's period and criteria."""

    class Outcome(models.TextChoices):
        MAY_REAPPLY = "may_reapply", "may reapply"
        TOO_EARLY = "too_early", "refused: too early"
        CRITERIA_UNMET = "criteria_unmet", "refused: criteria not met"
        PERMANENT = "permanent", "refused: the removal is permanent"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reapplication_checks")
    applied_on = models.DateField()
    criteria_met = models.JSONField(default=list)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    message = models.TextField()
    note = models.TextField(blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "cases_reapplicationcheck"
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"reapplication {self.outcome} on case {self.case_id}"


class BreachReport(models.Model):
    """A sockpuppet report from the community against a ban: the accounts it suspects are
    confirmed (then added to the ban and blocked) or rejected by staff, one by one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="breach_reports")
    reported_by = models.CharField(max_length=255, help_text="Who reported it (as they gave it)")
    summary = models.TextField()
    evidence_url = models.URLField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "enforcement_breachreport"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"breach report {self.pk} on case {self.case_id}"


class SuspectedAccount(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed", "confirmed: added to the ban"
        REJECTED = "rejected", "not the banned person's"

    report = models.ForeignKey(BreachReport, on_delete=models.CASCADE, related_name="accounts")
    wiki = models.CharField(max_length=64)
    username = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "enforcement_suspectedaccount"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "wiki", "username"], name="one_suspect_per_report"
            )
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.wiki} ({self.status})"


class BanReport(models.Model):
    """Someone acting as a proxy for a banned person, or interfering with enforcement: attached
    to the ban, it opens a proposed sanction case against that someone."""

    class Kind(models.TextChoices):
        PROXY = "proxy", "acting as a proxy for the banned person"
        INTERFERENCE = "interference", "interfering with enforcement of the ban"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ban_reports")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    wiki = models.CharField(max_length=64)
    username = models.CharField(max_length=255)
    summary = models.TextField()
    evidence_url = models.URLField(max_length=2000, blank=True)
    sanction_case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="from_ban_report"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "enforcement_banreport"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} report on case {self.case_id}"
