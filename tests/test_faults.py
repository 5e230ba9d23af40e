"""Faults on the real parts: a database connection cut mid-step, a worker killed mid-enforcement.

(A wiki that goes down and comes back: tests/test_enforcement.py. Staff approving or moving
the same case at once on real concurrent connections: tests/test_races.py.)
"""

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from officeactions import periodic
from officeactions.audit.services import audit_verify
from officeactions.cases import moves, services
from officeactions.enforcement import planner, runner
from officeactions.enforcement import services as enforcement
from officeactions.enforcement.models import Operation
from officeactions.policy.workflow import CaseState
from tests.helpers import approved, db_snapshot
from tests.wikis import unique

ROOT = Path(__file__).resolve().parent.parent
State = Operation.State

pytestmark = [pytest.mark.postgres]


def other_connection() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"], user=s["USER"], host=s["HOST"], port=s["PORT"] or 5432, autocommit=True
    )


@pytest.mark.usefixtures("committed_db")
def test_a_connection_lost_in_the_middle_of_a_step_writes_nothing_and_the_step_can_be_retried(
    people, open_case, monkeypatch
):
    case = open_case()
    before = db_snapshot()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    real_append = moves.audit_append

    def connection_cut(**entry):
        # The case row is already updated in this transaction when the server drops us.
        with other_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real_append(**entry)

    # The move service appends the step's audit entry after moving the state.
    monkeypatch.setattr(moves, "audit_append", connection_cut)
    with pytest.raises(DatabaseError):
        services.case_transition(case=case, actor=people["agent"], name="accept")
    monkeypatch.undo()
    connection.close()  # what Django does at the end of a request; the next query reconnects

    assert db_snapshot() == before  # nothing half-written: no state change without its entry
    assert audit_verify().intact
    case = services.case_transition(case=case, actor=people["agent"], name="accept")
    assert case.case_state is CaseState.ACCEPTED
    assert audit_verify().intact and db_snapshot()["audit"] == before["audit"] + 1


@pytest.mark.usefixtures("committed_db")
def test_a_worker_killed_in_the_middle_of_an_enforcement_resumes_and_does_nothing_twice(
    people, wiki_farm, settings
):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    names = [unique("Killed run") for _ in range(15)]
    for dbname in ("enwiki", "dewiki"):
        for name in names:
            wiki_farm.create_account(dbname, name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Many accounts", accounts=[("enwiki", n) for n in names]
    )
    case = approved(people, "global_ban", subject=subject)
    enforcement.case_enforce(case=case, actor=people["agent"])  # queued for the worker
    planned = case.operations.count()

    worker = start_worker(wiki_farm)
    try:
        deadline = time.monotonic() + 60
        while not case.operations.filter(state=State.VERIFIED).exists():
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker never started the enforcement"
            time.sleep(0.02)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no clean shutdown: the power went out
        worker.wait()
    pending = case.operations.filter(state=State.PENDING).count()
    assert 0 < pending < planned, "the worker was not stopped in the middle"

    # The worker comes back: the stale run is found and queued again, and finished.
    assert runner.enforcement_resume(stale_after=timedelta(0)) == [case.reference]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    assert case.operations.count() == planned
    assert set(case.operations.values_list("state", flat=True)) <= {
        State.VERIFIED,
        State.NOT_APPLICABLE,
    }
    # Each account was blocked once, by the office, whatever the ledger had heard of.
    for dbname in ("enwiki", "dewiki"):
        with wiki_farm.office(dbname) as client:
            for name in names:
                log = client.query(list="logevents", letype="block", letitle=f"User:{name}")
                actions = [e["action"] for e in log["logevents"]]
                assert actions == ["block"], (dbname, name, actions)
    assert audit_verify().intact


def start_worker(farm) -> subprocess.Popen:
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}",
        "OFFICEACTIONS_WIKI_REGISTRY": str(farm.registry_path),
        "OFFICEACTIONS_DEBUG": "true",
        "OFFICEACTIONS_LOG_LEVEL": "WARNING",
    }
    env.pop("PYTEST_VERSION", None)
    command = [str(ROOT / ".venv" / "bin" / "officeactions"), "worker", "--no-startup-delay"]
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@pytest.mark.usefixtures("committed_db")
def test_a_block_the_wiki_made_but_the_ledger_never_heard_of_is_not_made_twice(
    people, wiki_farm, settings
):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    name = unique("Unrecorded")
    wiki_farm.create_account("enwiki", name)
    subject = services.subject_create(
        actor=people["agent"], display_name="Unrecorded", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforcement.case_enforce(case=case, actor=people["agent"])
    # The run that was killed: the wiki blocked, the process died before the ledger was written.
    with wiki_farm.office("enwiki") as client:
        client.block(name, reason=planner.reason_for(case))
    op = case.operations.get(wiki="enwiki", target=name)
    assert op.state == State.PENDING

    runner.enforcement_run(case_id=case.pk, resumed=True)  # as the resume check queues it
    op.refresh_from_db()
    assert op.state == State.VERIFIED and "interrupted run resumed" in op.message
    with wiki_farm.office("enwiki") as client:
        log = client.query(list="logevents", letype="block", letitle=f"User:{name}")
    assert [e["action"] for e in log["logevents"]] == ["block"]


@pytest.mark.usefixtures("committed_db")
def test_only_one_run_of_a_case_goes_at_a_time(people, wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    name = unique("One run")
    wiki_farm.create_account("enwiki", name)
    subject = services.subject_create(
        actor=people["agent"], display_name="One run", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforcement.case_enforce(case=case, actor=people["agent"])
    key = runner.ENFORCEMENT_LOCK_SPACE + case.pk
    with other_connection() as running:  # a run still at work in another worker
        running.execute("SELECT pg_advisory_lock(%s)", [key])
        from django_tasks_db.models import DBTaskResult

        queued = DBTaskResult.objects.filter(task_path__endswith="enforcement_task").count
        before = queued()
        assert runner.enforcement_run(case_id=case.pk) == (
            "another run of this case is in progress; queued again"
        )
        assert queued() == before + 1  # it waits its turn instead of being dropped
        assert set(case.operations.values_list("state", flat=True)) == {State.PENDING}
        running.execute("SELECT pg_advisory_unlock(%s)", [key])  # that run ends
    assert runner.enforcement_run(case_id=case.pk) == "in effect"


def test_the_worker_schedules_the_resume_check(db):
    from django_tasks_db.models import DBTaskResult

    periodic.start()
    periodic.start()  # a second worker start does not queue it twice
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count("officeactions.enforcement.tasks.enforcement_resume_task") == 1
