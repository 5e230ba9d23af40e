"""Background work for CheckUser. Thin: the service does the work."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from officeactions.periodic import schedule


@task
def checkuser_purge_task() -> int:
    """One retention purge, then the next one is queued."""
    from officeactions.checkuser.services import checkuser_purge

    try:
        return checkuser_purge()
    finally:
        schedule(checkuser_purge_task, settings.OFFICEACTIONS_CHECKUSER_PURGE_SECONDS)
