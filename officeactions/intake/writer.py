"""The intake writer: how validated public submissions reach the database.

Submissions wait in one queue per process and are stored in batches, one transaction each,
through plain SQL; the filing task that follows them is queued once for many batches. What is
stored, refused or linked as a duplicate is decided by the rules in ``intake.services``, which
hands its batch-storing function to the writer thread (``SubmissionBatcher``).
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from officeactions.intake.models import Request, Requester
from officeactions.intake.tasks import request_file_pending_task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intake:
    """A submission that passed validation and waits to be stored."""

    email: str
    username: str
    fields: dict[str, Any]
    content_hash: str


# The intake writer's statements, in plain SQL through Django's connection: under load the
# query compiler cost more than the database did (docs/benchmarks.md). Values still go through
# each field's own conversion, so they are stored exactly as the ORM would store them.


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``column IN (values)``. On PostgreSQL one array parameter, so that the statement's text
    is the same for any number of values: psycopg parses each new text, and under load parsing
    one for every batch took a seventh of the interpreter's time."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _select[M: Model](model: type[M], column: str, values: list[Any]) -> list[M]:
    """``model.objects.filter(<column>__in=values)``: whole rows, as model instances."""
    if not values:
        return []
    fields = model._meta.concrete_fields
    qn = connection.ops.quote_name
    where, params = _in(qn(column), values)
    # A concrete field's column is set; the stubs allow None.
    selected = ", ".join(qn(f.column) for f in fields)  # type: ignore[arg-type]
    table = qn(model._meta.db_table)
    sql = f"SELECT {selected} FROM {table} WHERE {where}"  # noqa: S608 - names and placeholders
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    # As the compiler reads a column: the backend's converters, then the field's.
    columns = [f.cached_col for f in fields]
    converters = [
        (i, col, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)])
        for i, col in enumerate(columns)
    ]
    instances = []
    for row in rows:
        row = list(row)
        for i, col, funcs in converters:
            for convert in funcs:
                row[i] = convert(row[i], col, connection)
        instances.append(model.from_db(connection.alias, names, row))
    return instances


def requesters_for(items: list[Intake]) -> dict[str, Requester]:
    """Each submitter's requester record, by email address; one is made for a new address."""
    emails = sorted({item.email for item in items})
    found = {r.email: r for r in _select(Requester, "email", emails)}
    for item in items:
        if item.email not in found:
            found[item.email], _ = Requester.objects.get_or_create(
                email=item.email, defaults={"wiki_username": item.username}
            )
    return found


def _serialise_identical(content_hashes: list[str]) -> None:
    """Two identical submissions racing (a double click) wait for each other, so the second
    sees the first and is recognised as its duplicate. Locks are taken in one order, so two
    batches cannot deadlock. SQLite writes are serialised anyway."""
    if connection.vendor == "postgresql" and content_hashes:
        keys = sorted({int(h[:15], 16) for h in content_hashes})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS ordered",
                [keys],
            )


def recent_requests(
    content_hashes: list[str], requester_ids: list[int], since: datetime
) -> dict[tuple[int | None, str], Request]:
    """The earlier requests a submission may repeat: the first request since ``since`` of each
    requester with each text, by (requester id, content hash); only the fields compared (pk,
    requester, hash). Read once any identical submission in flight is stored."""
    _serialise_identical(content_hashes)
    if not content_hashes or not requester_ids:
        return {}
    received_at = Request._meta.get_field("received_at").get_db_prep_value(since, connection)
    hashes, hash_params = _in("content_hash", content_hashes)
    ids, id_params = _in("requester_id", requester_ids)
    # Placeholders only go into the text; the values are parameters.
    sql = (
        "SELECT id, requester_id, content_hash FROM intake_request "  # noqa: S608
        f"WHERE {hashes} AND {ids} AND received_at >= %s ORDER BY received_at"
    )
    params = [*hash_params, *id_params, received_at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    earliest: dict[tuple[int | None, str], Request] = {}
    for row in rows:
        req = Request.from_db(connection.alias, ["id", "requester_id", "content_hash"], row)
        earliest.setdefault((req.requester_id, req.content_hash), req)
    return earliest


# Up to this many rows, plain placeholders cost less than arrays (measured; docs/benchmarks.md).
UNNEST_ABOVE_ROWS = 8


def _insert_fields() -> list[Any]:
    return [f for f in Request._meta.concrete_fields if not f.primary_key]


@functools.cache
def _insert_sql(vendor: str, rows: int | None) -> str:
    """The INSERT of ``rows`` requests, built once per form: with ``rows`` None, one array per
    column (PostgreSQL), as Django's own bulk insert does there, one text for any number of
    rows; types without their length, so nothing is cut. (``vendor`` only keys the cache.)"""
    fields, qn = _insert_fields(), connection.ops.quote_name
    if rows is None:
        arrays = ", ".join(f"%s::{f.db_type(connection).split('(')[0]}[]" for f in fields)
        values = f"SELECT * FROM UNNEST({arrays})"  # noqa: S608 - types and placeholders
    else:
        values = "VALUES " + ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    table, names = qn(Request._meta.db_table), ", ".join(qn(f.column) for f in fields)
    pk = qn(Request._meta.pk.column)  # type: ignore[arg-type]  # as in _select
    return f"INSERT INTO {table} ({names}) {values} RETURNING {pk}"


def store_new(requests: list[Request], now: datetime) -> None:
    """Insert new requests and make sure a filing task will see them."""
    if requests:
        insert_requests(requests)
        filing_queue(now)


def insert_requests(requests: list[Request]) -> None:
    """``Request.objects.bulk_create(requests)``: one INSERT, the new ids set on the objects."""
    if not requests:
        return
    columns = [
        [f.get_db_prep_save(f.pre_save(req, True), connection) for req in requests]
        for f in _insert_fields()
    ]
    if connection.vendor == "postgresql" and len(requests) > UNNEST_ABOVE_ROWS:
        sql, params = _insert_sql(connection.vendor, None), columns
    else:
        sql = _insert_sql(connection.vendor, len(requests))
        params = [value for values in zip(*columns, strict=True) for value in values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor.fetchall()]
    # Rows come back in the order given, as bulk_create also relies on (PostgreSQL, SQLite).
    for req, pk in zip(requests, ids, strict=True):
        req.pk = pk
        req._state.adding, req._state.db = False, connection.alias


class Filing:
    """When the last filing task this process queued may start (its ``run_after``), once the
    transaction that queued it has committed."""

    run_after: datetime | None = None


def filing_queue(now: datetime) -> None:
    """Make sure a filing task will see the requests this transaction stores.

    A filing task files every request stored before it starts, and it starts no earlier than
    its ``run_after``, ``OFFICEACTIONS_INTAKE_FILING_DELAY`` after it was queued. So a batch
    that begins well before the last queued task may start, and commits before then, needs no
    task of its own: under load one task serves all the batches of that interval, where one per
    batch cost a busy writer about two fifths of its time (docs/benchmarks.md). The task is
    queued in the batch's own transaction (the task queue is this database): filed iff stored.
    A batch that still commits too late queues one at once; the periodic sweep files whatever
    a lost race or another machine's clock left behind.
    """
    delay = timedelta(seconds=settings.OFFICEACTIONS_INTAKE_FILING_DELAY)
    last = Filing.run_after
    if last is not None and now + delay / 2 < last:
        transaction.on_commit(lambda: filing_after_commit(last))
        return
    run_after = now + delay
    request_file_pending_task.using(run_after=run_after).enqueue()

    def committed() -> None:
        Filing.run_after = max(run_after, Filing.run_after or run_after)

    transaction.on_commit(committed)


def filing_after_commit(run_after: datetime) -> None:
    if timezone.now() >= run_after:  # committed after the task may have started
        request_file_pending_task.enqueue()


def file_pending(file: Callable[[int], str], chunk: int = 500) -> int:
    """File every stored request not yet filed, oldest first, each by ``file`` (which files
    one request in its own transaction and says what it did).

    Returns how many it filed. One that fails is logged and left for the next run, so it
    never holds up the requests behind it.
    """
    filed, after = 0, 0
    while True:
        ids = list(
            Request.objects.filter(filed_at__isnull=True, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return filed
        for pk in ids:
            try:
                filed += file(pk) != "already filed"
            except Exception:
                logger.exception("Filing request %s failed; the next run tries again.", pk)
        after = ids[-1]


class SubmissionBatcher:
    """Group commit for public submissions: request threads hand their validated submission to
    one writer thread per process, which stores whatever has queued up in one transaction and
    hands each thread its answer. Under load many submissions share a commit; alone, one waits
    for nobody. If a batch fails, its submissions are retried one by one, so one bad submission
    never fails the others."""

    def __init__(self, store: Callable[[list[Intake]], Sequence[Any]], max_batch: int = 64) -> None:
        self.store = store  # stores a batch in one transaction, answering each in order
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._pid = 0

    def store_one(self, item: Intake) -> Any:
        """One submission's answer: from the writer thread, or stored here when batching is off
        or the caller is already inside a transaction (the writer thread could not see it)."""
        if settings.OFFICEACTIONS_INTAKE_BATCHING and not connection.in_atomic_block:
            return self.submit(item)
        (outcome,) = self.store([item])
        return outcome

    def submit(self, item: Intake, timeout: float = 30.0) -> Any:
        self._ensure_writer()
        answer: Future = Future()
        self._queue.put((item, answer))
        return answer.result(timeout=timeout)

    def _ensure_writer(self) -> None:
        # A forked server process inherits the object but not the thread: start one per process.
        if self._writer is not None and self._writer.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._writer is None or not self._writer.is_alive() or self._pid != os.getpid():
                if self._pid != os.getpid():  # a new process: the parent's queue is not ours
                    self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._writer = threading.Thread(target=self._run, name="intake-writer", daemon=True)
                self._writer.start()

    def stop(self) -> None:
        """Let the writer finish what is queued, close its connection and end."""
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = None in batch
            if batch := [one for one in batch if one is not None]:
                try:
                    self.write(batch)
                except BaseException as exc:  # never leave a request thread waiting
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
        connections.close_all()

    def write(self, batch: list[tuple[Intake, Future]]) -> None:
        close_old_connections()
        try:
            outcomes = self.store([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for one in batch:
                self.write([one])
            return
        for (_, answer), outcome in zip(batch, outcomes, strict=True):
            answer.set_result(outcome)
