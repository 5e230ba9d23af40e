"""Background work for cases. Tasks are thin: they take ids and call a service."""

from __future__ import annotations

from django.tasks import task


@task
def case_reminder(case_id: int, which: str) -> str:
    from officeactions.cases.reminders import case_remind

    return case_remind(case_id=case_id, which=which)
