"""Reads: CheckUser entries of a case, with results only for the case's staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from officeactions.cases.models import Case
from officeactions.cases.selectors import cases_visible_to
from officeactions.checkuser.models import CheckUserEntry
from officeactions.checkuser.services import is_case_staff
from officeactions.errors import NotFound


@dataclass
class EntryView:
    entry: CheckUserEntry
    results: str | None  # None: not for this person; "" after the purge or when none


def entries_for(case: Case, user: User | AnonymousUser) -> list[EntryView]:
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return []
    staff = is_case_staff(case, user)
    entries = case.checkuser_entries.select_related("performed_by").prefetch_related(
        "disclosures__recorded_by"
    )
    return [EntryView(e, e.results if staff else None) for e in entries]


def entry_get_visible(user: User | AnonymousUser, pk: int) -> CheckUserEntry:
    entry = (
        CheckUserEntry.objects.select_related("case")
        .filter(pk=pk, case__in=cases_visible_to(user).values("pk"))
        .first()
    )
    if entry is None:
        raise NotFound(f"No CheckUser entry {pk} that you can see.")
    return entry
