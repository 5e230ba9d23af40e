from django.conf import settings
from django.tasks import task

from officeactions.periodic import schedule


@task
def enforcement_task(case_id: int, resumed: bool = False) -> str:
    from officeactions.enforcement.runner import enforcement_run

    return enforcement_run(case_id=case_id, resumed=resumed)


@task
def revert_watch_task() -> int:
    """One pass of the revert watch, then the next one is queued."""
    from officeactions.enforcement.watch import revert_watch_run

    try:
        return len(revert_watch_run())
    finally:
        schedule(revert_watch_task, settings.OFFICEACTIONS_REVERT_WATCH_SECONDS)


@task
def expire_task(case_id: int) -> str:
    from officeactions.enforcement.services import case_expire

    return case_expire(case_id=case_id)


@task
def enforcement_resume_task() -> list[str]:
    """Queue interrupted enforcement runs again, then the next check is queued."""
    from officeactions.enforcement.runner import enforcement_resume

    try:
        return enforcement_resume()
    finally:
        schedule(enforcement_resume_task, settings.OFFICEACTIONS_ENFORCEMENT_STALE_SECONDS)
