"""Published half-yearly transparency reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PublishedReport(models.Model):
    """A report as published. ``figures`` holds only what the public may see: it is built by
    transparency.visibility before it is stored, so every output reads an already safe copy."""

    period = models.CharField(max_length=6, unique=True, help_text='e.g. "2026H1"')
    figures = models.JSONField()
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"transparency report {self.period}"
