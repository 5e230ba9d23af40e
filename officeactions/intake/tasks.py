from django.conf import settings
from django.tasks import task


# Filed one by one, then per stored batch, by earlier versions; these stay so that filings they
# queued, still waiting in a database, run.
@task
def request_file_task(request_id: int) -> str:
    from officeactions.intake.services import request_file

    return request_file(request_id=request_id)


@task
def request_file_batch_task(request_ids: list[int]) -> list[str]:
    from officeactions.intake.services import request_file_batch

    return request_file_batch(request_ids=request_ids)


@task
def request_file_pending_task() -> int:
    """File every request stored and not yet filed (queued by the intake writer)."""
    from officeactions.intake.services import request_file_pending

    return request_file_pending()


@task
def request_file_sweep_task() -> int:
    """The safety net: file whatever is left unfiled, then queue the next sweep."""
    from officeactions.enforcement.services import schedule
    from officeactions.intake.services import request_file_pending

    try:
        return request_file_pending()
    finally:
        schedule(request_file_sweep_task, settings.OFFICEACTIONS_INTAKE_SWEEP_SECONDS)
