from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict

from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from officeactions.cases.configured import office_time_zone
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import Case
from officeactions.enforcement.models import Operation
from officeactions.intake.models import Request
from officeactions.legal.models import CounterNotice, DmcaNotice
from officeactions.policy import CATALOG
from officeactions.policy.reports import (
    OUTCOMES,
    REQUEST_OUTCOMES,
    Period,
    percentile,
)
from officeactions.transparency.visibility import PUBLIC_KINDS

FORWARD = ["block", "protect", "remove_groups", "delete", "hide_revision"]


def public_operations(
    *,
    wiki: str = "",
    kind: str = "",
    kinds: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Operation]:
    ops = (
        Operation.objects.filter(
            state=Operation.State.VERIFIED, op__in=FORWARD, case__kind__in=PUBLIC_KINDS
        )
        .select_related("case")
        .order_by("-done_at", "-pk")
    )
    if wiki:
        ops = ops.filter(wiki=wiki)
    if kind:
        ops = ops.filter(case__kind=kind)
    if kinds is not None:
        ops = ops.filter(case__kind__in=kinds)
    if since:
        ops = ops.filter(done_at__date__gte=since)
    if until:
        ops = ops.filter(done_at__date__lte=until)
    return ops


# The half-yearly report: raw figures, computed in SQL. These are NOT public as they are; only
# transparency.visibility.public_report turns them into what may be published.


@dataclass(frozen=True)
class ResponseFigures:
    responded: int
    median_seconds: float | None
    p90_seconds: float | None
    with_target: int  # responded cases whose kind has a target
    within_target: int


@dataclass(frozen=True)
class ReportFigures:
    cases: dict[str, dict[str, int]]  # kind -> outcome -> count
    requests: dict[str, int]
    dmca: dict[str, int]
    appeals: dict[str, Any]
    response: dict[str, ResponseFigures] = field(default_factory=dict)


def _in_period(period: Period, field_name: str) -> Q:
    start, end = period.bounds(office_time_zone())
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def report_figures(period: Period) -> ReportFigures:
    """Every figure of the report for one period, unmasked."""
    return ReportFigures(
        cases=_case_outcomes(period),
        requests=_request_outcomes(period),
        dmca=_dmca_figures(period),
        appeals=appeals_figures(period),
        response=_response_times(period),
    )


def _case_outcomes(period: Period) -> dict[str, dict[str, int]]:
    by_state = (
        Case.objects.filter(_in_period(period, "received_at"))
        .values("kind", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    outcome_of = {state.value: name for name, states in OUTCOMES.items() for state in states}
    result: dict[str, dict[str, int]] = {k.code: dict.fromkeys(OUTCOMES, 0) for k in CATALOG}
    for row in by_state:
        result[row["kind"]][outcome_of[row["state"]]] += row["n"]
    return result


def _request_outcomes(period: Period) -> dict[str, int]:
    counts = {
        name: Count("id", filter=Q(case__state__in=[s.value for s in states]))
        for name, states in REQUEST_OUTCOMES.items()
    }
    return Request.objects.filter(_in_period(period, "received_at")).aggregate(
        received=Count("id"), **counts
    )


def _dmca_figures(period: Period) -> dict[str, int]:
    complied = [s.value for s in OUTCOMES["action taken"]]
    notices = DmcaNotice.objects.filter(_in_period(period, "received_at")).aggregate(
        received=Count("id"),
        valid=Count("id", filter=Q(defects=[])),
        complied_with=Count("id", filter=Q(case__state__in=complied)),
    )
    counters = CounterNotice.objects.aggregate(
        counter_noticed=Count("id", filter=_in_period(period, "received_at")),
        put_back=Count(
            "id",
            filter=_in_period(period, "put_back_at") & Q(status=CounterNotice.Status.PUT_BACK),
        ),
    )
    return {**notices, **counters}


def appeals_figures(period: Period) -> dict[str, Any]:
    """Appeals filed in the period, and the outcomes decided in it (counts only)."""
    start, end = period.bounds(office_time_zone())
    counts = registry.first(Hook.APPEAL_COUNTS, start=start, end=end) or {"filed": 0}
    filed = counts.pop("filed")
    return {
        "filed": filed,
        "outcomes": counts,
        "note": "" if filed or any(counts.values()) else "no appeals recorded",
    }


class ResponseRow(TypedDict):
    kind: str
    received_at: datetime
    due_at: datetime | None
    responded_at: datetime


def _responses(period: Period) -> QuerySet[Case, ResponseRow]:
    """One row per case received in the period and decided: kind, received_at, due_at and
    responded_at (the case's first decision, which the deciding step records on it)."""
    return (
        Case.objects.filter(
            _in_period(period, "received_at"),
            decided_at__isnull=False,
            kind__in=PUBLIC_KINDS,
        )
        .values("kind", "received_at", "due_at", responded_at=F("decided_at"))
        .order_by()
    )


def _response_times(period: Period) -> dict[str, ResponseFigures]:
    if connection.vendor == "postgresql":
        return _response_times_postgres(period)
    return _response_times_portable(period)


def _response_times_postgres(period: Period) -> dict[str, ResponseFigures]:
    inner, params = _responses(period).query.sql_with_params()
    sql = f"""
        SELECT kind, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY secs),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY secs),
               count(*) FILTER (WHERE due_at IS NOT NULL),
               count(*) FILTER (WHERE responded_at <= due_at)
        FROM (SELECT kind, due_at, responded_at,
                     EXTRACT(EPOCH FROM (responded_at - received_at))::float8 AS secs
              FROM ({inner}) AS responses) AS r
        GROUP BY kind
    """  # noqa: S608 - the inner query is Django's own, with its parameters passed separately
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            kind: ResponseFigures(n, median, p90, with_target, within)
            for kind, n, median, p90, with_target, within in cursor.fetchall()
        }


def _response_times_portable(period: Period) -> dict[str, ResponseFigures]:
    """Other databases (SQLite): the same figures, with percentiles interpolated in Python
    exactly as percentile_cont does."""
    seconds: dict[str, list[float]] = defaultdict(list)
    targets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _responses(period):
        seconds[row["kind"]].append((row["responded_at"] - row["received_at"]).total_seconds())
        if row["due_at"] is not None:
            targets[row["kind"]][0] += 1
            targets[row["kind"]][1] += row["responded_at"] <= row["due_at"]
    result = {}
    for kind, values in seconds.items():
        values.sort()
        with_target, within = targets[kind]
        result[kind] = ResponseFigures(
            len(values), percentile(values, 0.5), percentile(values, 0.9), with_target, within
        )
    return result
