"""Periodic tasks: each app registers its own; the worker's start queues one run of each."""

from collections import Counter

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from officeactions import periodic

# Every periodic task the product has. An app that forgets to register its task in
# AppConfig.ready() leaves that task never run by the worker: this list catches it.
PERIODIC = {
    "officeactions.enforcement.tasks.revert_watch_task",
    "officeactions.enforcement.tasks.enforcement_resume_task",
    "officeactions.checkuser.tasks.checkuser_purge_task",
    "officeactions.intake.tasks.request_file_sweep_task",
}


def waiting() -> Counter:
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    return Counter(ready.values_list("task_path", flat=True))


def test_each_app_registers_its_periodic_tasks():
    assert {task.module_path for task in periodic.registered()} == PERIODIC


def test_start_queues_one_waiting_run_of_each_registered_task_and_no_duplicates(db):
    assert not waiting()
    periodic.start()
    assert waiting() == Counter(PERIODIC)
    periodic.start()  # a second worker, or the same one started again
    assert waiting() == Counter(PERIODIC)


def test_a_run_that_ends_queues_its_next_run_once(db):
    from officeactions.checkuser.tasks import checkuser_purge_task

    periodic.schedule(checkuser_purge_task, 60)
    periodic.schedule(checkuser_purge_task, 60)
    assert waiting() == Counter({checkuser_purge_task.module_path: 1})
