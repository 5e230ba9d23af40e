"""DMCA notices and counter-notices; NCMEC CyberTipline reports of child-protection cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case


class DmcaNotice(models.Model):
    """A takedown notice as received. Its case is the DMCA takedown that Legal works on."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="dmca_notice")
    sender_name = models.CharField(max_length=200)
    sender_organisation = models.CharField(max_length=200, blank=True)
    principal_name = models.CharField(max_length=200, blank=True, help_text="The rights owner")
    address = models.TextField(blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    works = models.JSONField(default=list, help_text="Descriptions of the copyrighted works")
    copyrighted_urls = models.JSONField(default=list)
    infringing_urls = models.JSONField(default=list)
    located = models.JSONField(default=list, help_text="[{wiki, title, revid}] on our wikis")
    signature = models.CharField(max_length=200, blank=True)
    good_faith = models.BooleanField(default=False)
    accuracy_under_perjury = models.BooleanField(default=False)
    defects = models.JSONField(default=list)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"DMCA notice {self.case_id}"

    @property
    def valid(self) -> bool:
        return not self.defects

    @property
    def put_back(self) -> bool:
        return any(c.status == CounterNotice.Status.PUT_BACK for c in self.counters.all())

    @property
    def sender_is_private(self) -> bool:
        return not self.sender_organisation.strip()


class CounterNotice(models.Model):
    class Status(models.TextChoices):
        INVALID = "invalid", "not valid: not acted on"
        WAITING = "waiting", "valid: put-back scheduled"
        COURT_ACTION = "court_action", "complainant reported a court action: no put-back"
        PUT_BACK = "put_back", "material put back"

    notice = models.ForeignKey(DmcaNotice, on_delete=models.PROTECT, related_name="counters")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    signature = models.CharField(max_length=200, blank=True)
    removed_material = models.TextField(blank=True)
    former_location = models.JSONField(default=list)
    mistake_under_perjury = models.BooleanField(default=False)
    consent_to_jurisdiction = models.BooleanField(default=False)
    defects = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices)
    received_at = models.DateTimeField(default=timezone.now)
    putback_earliest = models.DateTimeField(null=True, blank=True)
    putback_latest = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    court_action_note = models.TextField(blank=True)
    put_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"counter-notice {self.pk} ({self.status})"


class NcmecReport(models.Model):
    """A report to NCMEC's CyberTipline, as recorded on a child-protection case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ncmec_reports")
    report_id = models.CharField(max_length=64)
    reported_at = models.DateTimeField()
    preserved = models.TextField(help_text="What was preserved, and where")
    preservation_ends = models.DateField()
    law_enforcement = models.TextField(blank=True, help_text="Referral: agency, reference")
    referred_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report_id"], name="one_record_per_ncmec_report")
        ]

    def __str__(self) -> str:
        return f"NCMEC report {self.report_id}"


class DmcaAttachment(models.Model):
    """A document sent with a notice (the signed notice, evidence of ownership). Staff only."""

    notice = models.ForeignKey(DmcaNotice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="dmca/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.name
