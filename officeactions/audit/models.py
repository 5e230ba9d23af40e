"""The audit log: append-only, hash-chained.

Each entry holds the hash of the entry before it, so editing or deleting any row breaks the
chain at that row (``officeactions audit verify`` names it). Sequence numbers are assigned from
the chain head, not a database sequence, because a rolled-back transaction would leave a gap
in a sequence that verification would mistake for a deleted entry.
"""

from __future__ import annotations

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only; entries cannot be updated.")

    def delete(self):
        raise TypeError("The audit log is append-only; entries cannot be deleted.")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    # Copies, not foreign keys: the record must outlive and not depend on what it describes.
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        db_constraint=False,
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["case", "seq"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not kwargs.get("force_insert"):
            raise TypeError("The audit log is append-only; use audit_append().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only; entries cannot be deleted.")


class AuditHead(models.Model):
    """The one row that serialises appends: its lock orders the chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"
