from __future__ import annotations

from django.db import models


class BanListVersion(models.Model):
    """One row, counted up in the same transaction as every change to the bans in effect.
    Processes compare it with the version their index was built from (SQLite polls it;
    PostgreSQL also announces it with NOTIFY)."""

    counter = models.BigIntegerField(default=0)

    class Meta:
        permissions = [("check_bans", "May ask the ban check (wikis, login hooks, organisers)")]

    def __str__(self) -> str:
        return f"ban list version {self.counter}"
