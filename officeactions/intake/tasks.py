from django.tasks import task


# Filing is queued per stored batch now (below); this one stays so that filings queued by an
# earlier version, still waiting in a database, run.
@task
def request_file_task(request_id: int) -> str:
    from officeactions.intake.services import request_file

    return request_file(request_id=request_id)


@task
def request_file_batch_task(request_ids: list[int]) -> list[str]:
    from officeactions.intake.services import request_file_batch

    return request_file_batch(request_ids=request_ids)
