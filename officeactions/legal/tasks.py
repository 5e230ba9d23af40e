from django.tasks import task


@task
def putback_task(counter_id: int) -> str:
    from officeactions.legal.counter_notices import dmca_putback

    return dmca_putback(counter_id=counter_id)
