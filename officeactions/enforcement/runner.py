"""Running the ledger: each wiki's pending operations carried out and read back, in parallel,
every result written as it arrives; the case in effect once every operation is verified."""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import Case
from officeactions.cases.moves import case_move
from officeactions.enforcement.models import Operation
from officeactions.enforcement.operations import LIFT_INVERSE, perform
from officeactions.enforcement.planner import reason_for
from officeactions.enforcement.tasks import enforcement_task
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.enforcement.wikis import WikiConfig, load_wikis
from officeactions.policy.workflow import IN_EFFECT_TRANSITION, CaseState

State = Operation.State
log = logging.getLogger(__name__)
# What a wiki's thread reports of each operation: (operation id, ledger state, message).
Result = tuple[int, str, str]
ENFORCEMENT_LOCK_SPACE = 0x0FF1CE << 32  # advisory-lock keys of enforcement runs: this + case id


def queue_run(case: Case, resumed: bool = False) -> None:
    # Same database: queued if and only if this commits.
    enforcement_task.enqueue(case.pk, resumed)


def _run_group(
    wiki: WikiConfig,
    performer: str,
    ops: list[Operation],
    reason: str,
    out: queue.Queue[Result],
    resumed: bool,
) -> None:
    account = wiki.account_for(performer)
    if account is None:
        for op in ops:
            out.put((op.pk, State.FAILED, f"No account on {wiki.dbname} for {performer}."))
        return
    client = WikiClient(wiki.api_url, account)
    try:
        for op in ops:
            try:
                state, message = perform(
                    client, op, reason, account.username.split("@")[0], look_first=resumed
                )
            except WikiError as exc:
                state, message = State.FAILED, exc.message
            except Exception as exc:
                log.exception("operation %s on %s failed unexpectedly", op.pk, wiki.dbname)
                state, message = State.FAILED, f"Unexpected answer from the wiki: {exc!r}"
            out.put((op.pk, state, message))
    finally:
        client.close()


@contextmanager
def _one_run_per_case(case_id: int) -> Iterator[bool]:
    """On PostgreSQL a session lock lets one run per case go at a time (a run resumed while a
    slow one still works waits its turn, and a killed worker's lock dies with its connection).
    SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = ENFORCEMENT_LOCK_SPACE + case_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (taken,) = cursor.fetchone()
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def enforcement_run(*, case_id: int, resumed: bool = False) -> str:
    """Perform the case's pending operations: each wiki (and performer) in its own thread; the
    ledger is written as each result arrives, so a crash loses nothing done before it.
    ``resumed``: a run that an earlier one may have got part of the way through."""
    with _one_run_per_case(case_id) as mine:
        if not mine:
            # Whatever this run was queued for (a lift, say) waits its turn, not the resume.
            later = timezone.now() + timedelta(seconds=5)
            enforcement_task.using(run_after=later).enqueue(case_id, resumed)
            return "another run of this case is in progress; queued again"
        return _enforcement_run(case_id, resumed)


def enforcement_resume(*, stale_after: timedelta | None = None) -> list[str]:
    """Queue again the cases whose operations have waited too long: the worker that had them
    was stopped or killed. Safe to run at any time: a run skips what the ledger shows done, and
    a block already in place for the case is recognised on the wiki, not made twice."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.OFFICEACTIONS_ENFORCEMENT_STALE_SECONDS)
    stalled = Operation.objects.filter(
        state=State.PENDING, updated_at__lte=timezone.now() - stale_after
    )
    cases = list(Case.objects.filter(Exists(stalled.filter(case=OuterRef("pk")))))
    for case in cases:
        log.warning("resuming the interrupted enforcement of %s", case.reference)
        queue_run(case, resumed=True)
    return [case.reference for case in cases]


def _enforcement_run(case_id: int, resumed: bool) -> str:
    case = Case.objects.get(pk=case_id)
    wikis = load_wikis()
    pending = list(case.operations.filter(state__in=[State.PENDING, State.DONE]))
    groups: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in pending:
        if op.wiki not in wikis:
            _record(op, State.FAILED, f"Wiki {op.wiki} is not configured.")
            continue
        groups[(op.wiki, op.performer)].append(op)
    results: queue.Queue[Result] = queue.Queue()
    reason = reason_for(case)
    threads = [
        threading.Thread(
            target=_run_group, args=(wikis[w], p, ops, reason, results, resumed), daemon=True
        )
        for (w, p), ops in groups.items()
    ]
    for t in threads:
        t.start()
    by_pk = {op.pk: op for op in pending}
    for _ in range(sum(len(ops) for ops in groups.values())):
        pk, state, message = results.get()
        _record(by_pk[pk], state, message)
    for t in threads:
        t.join()
    return _settle(case)


@transaction.atomic
def _record(op: Operation, state: str, message: str) -> None:
    now = timezone.now()
    op.state, op.message, op.updated_at = state, message, now
    op.attempts += 1
    if state in (State.DONE, State.VERIFIED) and op.done_at is None:
        op.done_at = now
    if state == State.VERIFIED:
        op.verified_at = now
    op.save()
    if state == State.VERIFIED:
        registry.call(Hook.AFTER_VERIFIED, operation=op)
    audit_append(
        actor=None,
        action=f"enforcement.{op.op}.{state}",
        object_type="operation",
        object_id=str(op.pk),
        case=op.case,
        data={"wiki": op.wiki, "target": op.target, "performer": op.performer, "message": message},
    )


@transaction.atomic
def _settle(case: Case) -> str:
    case = Case.objects.select_for_update().get(pk=case.pk)
    ops = list(case.operations.all())
    undoing = set(LIFT_INVERSE.values())  # the rows of a lift, not of the action itself
    forward = [o for o in ops if o.op not in undoing]
    failed = [o for o in ops if o.state == State.FAILED]
    settled = bool(forward) and all(o.settled for o in forward)
    verified = any(o.state == State.VERIFIED for o in forward)
    if case.case_state is CaseState.BEING_ENFORCED and settled and verified:
        case_move(case, IN_EFFECT_TRANSITION, None, "Every operation verified on the wikis.")
        return "in effect"
    if settled and not verified:
        return "nothing took effect: no operation applied on any wiki"
    if failed:
        return f"{len(failed)} failed"
    return case.state
