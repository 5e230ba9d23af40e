from django.tasks import task


@task
def event_ban_expire_task(case_id: int) -> str:
    from officeactions.events.services import event_ban_expire

    return event_ban_expire(case_id=case_id)
