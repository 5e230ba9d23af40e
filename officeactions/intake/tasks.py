from django.conf import settings
from django.tasks import task

from officeactions.periodic import schedule


# Filing was queued per request, then per stored batch, by earlier versions. Such tasks may
# still wait in a database: each now files whatever is not yet filed, theirs included.
@task
def request_file_task(request_id: int) -> int:
    from officeactions.intake.services import request_file_pending

    return request_file_pending()


@task
def request_file_batch_task(request_ids: list[int]) -> int:
    from officeactions.intake.services import request_file_pending

    return request_file_pending()


@task
def request_file_pending_task() -> int:
    """File every request stored and not yet filed (queued by the intake writer)."""
    from officeactions.intake.services import request_file_pending

    return request_file_pending()


@task
def request_file_sweep_task() -> int:
    """The safety net: file whatever is left unfiled, then queue the next sweep."""
    from officeactions.intake.services import request_file_pending

    try:
        return request_file_pending()
    finally:
        schedule(request_file_sweep_task, settings.OFFICEACTIONS_INTAKE_SWEEP_SECONDS)
