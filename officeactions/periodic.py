"""Periodic tasks: each app registers its own in ``AppConfig.ready()``; the worker starts them.

A periodic task queues its own next run when it ends (``schedule``); ``start`` queues the first
run of every registered task when the worker command starts. Neither queues a run of a task
that already has one waiting, so starting several workers, or one again, queues no duplicates.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import Task, TaskResultStatus
from django.utils import timezone

# Keyed by the task's path, so that registering again (ready() run twice) changes nothing.
_registry: dict[str, tuple[Task, int]] = {}


def register(task: Task, first_delay_seconds: int = 0) -> None:
    """Run ``task`` periodically, its first run ``first_delay_seconds`` after the worker starts."""
    _registry[task.module_path] = (task, first_delay_seconds)


def registered() -> list[Task]:
    """The registered periodic tasks, in the order they were registered."""
    return [task for task, _ in _registry.values()]


def schedule(task: Task, seconds: int) -> None:
    """Queue the next run of a periodic task unless one is already waiting."""
    # Imported here: tasks modules, which import this one, may load before the models are ready.
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists():
        return
    task.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue()


def start() -> None:
    """Queue the first run of each registered periodic task (the worker command calls this)."""
    for task, first_delay_seconds in _registry.values():
        schedule(task, first_delay_seconds)
