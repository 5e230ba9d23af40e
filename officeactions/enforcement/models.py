"""The enforcement ledger: one row per operation per wiki, so partial failure shows and resumes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from officeactions.cases.models import Case


class Operation(models.Model):
    class Op(models.TextChoices):
        BLOCK = "block"
        UNBLOCK = "unblock"
        PROTECT = "protect"
        UNPROTECT = "unprotect"
        TAG_PAGE = "tag_page", "put {{pp-office}} on the page"
        RESET_PAGE = "reset_page", "reduce the page, with {{reset}}"
        REMOVE_GROUPS = "remove_groups"
        RESTORE_GROUPS = "restore_groups"
        DELETE = "delete", "delete the page"
        UNDELETE = "undelete", "restore the page"
        HIDE_REVISION = "hide_revision", "delete the revision"
        UNHIDE_REVISION = "unhide_revision", "restore the revision"
        SUPPRESS = "suppress", "suppress (oversight)"
        NOTIFY = "notify", "leave a notice on the user's talk page"

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done", "done, not yet seen on the wiki"
        VERIFIED = "verified", "verified on the wiki"
        FAILED = "failed"
        NOT_APPLICABLE = "not_applicable", "nothing to do on this wiki"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="operations")
    wiki = models.CharField(max_length=64)
    op = models.CharField(max_length=16, choices=Op.choices)
    target = models.CharField(max_length=255, help_text="Username, IP address/range or title")
    params = models.JSONField(default=dict)
    performer = models.CharField(
        max_length=150, help_text='"office" for the office role account, else a staff login'
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # Running enforcement again never doubles an operation.
            models.UniqueConstraint(
                fields=["case", "wiki", "op", "target"], name="one_operation_per_target"
            )
        ]
        indexes = [
            models.Index(fields=["wiki", "state"]),
            # The public log's order: newest verified operations first, read straight off it.
            models.Index(
                fields=["-done_at", "-id"],
                condition=models.Q(state="verified"),
                name="operation_public_log_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.target} on {self.wiki}: {self.state}"

    @property
    def settled(self) -> bool:
        return self.state in (self.State.VERIFIED, self.State.NOT_APPLICABLE)


class WikiLogCursor(models.Model):
    """How far the revert watch has read each wiki's log."""

    wiki = models.CharField(max_length=64, unique=True)
    last_logid = models.BigIntegerField(default=0)
    last_timestamp = models.CharField(max_length=32, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.wiki} at log #{self.last_logid}"


class Incident(models.Model):
    """Someone other than the office changed an office action on a wiki."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="incidents")
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="incidents")
    wiki = models.CharField(max_length=64)
    logid = models.BigIntegerField()
    change = models.CharField(max_length=64, help_text="The wiki log's type/action")
    wiki_user = models.CharField(max_length=255, help_text="Who did it, as the wiki names them")
    comment = models.TextField(blank=True)
    happened_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    reapplied = models.BooleanField(default=False)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["wiki", "logid", "operation"], name="one_incident")
        ]

    def __str__(self) -> str:
        return f"{self.change} by {self.wiki_user} on {self.wiki}"
