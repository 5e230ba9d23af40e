"""The half-yearly report and the public office actions log on a large database.

Run after bench/seed_cases.py. Adds what the report and the log read besides cases: one
deciding audit entry per closed case (at receipt plus 0-39 days) and, for approved cases of
public kinds, a verified block on a wiki. These rows go straight in with SQL, so the bench
database's audit chain is not a valid chain; nothing here verifies it.
Times: the report's computation for the period the seeded cases fall in (with the previous
period, as publishing does), and the first page of the public log (HTML and JSON).

Usage: DATABASE_URL=... python bench/report.py [runs]
"""

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
os.environ.setdefault("OFFICEACTIONS_ALLOWED_HOSTS", "testserver")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from officeactions.cases.configured import office_time_zone  # noqa: E402
from officeactions.cases.models import Case  # noqa: E402
from officeactions.enforcement.models import Operation  # noqa: E402
from officeactions.policy.reports import period_of  # noqa: E402
from officeactions.transparency.selectors import report_figures  # noqa: E402
from officeactions.transparency.visibility import PUBLIC_KINDS, public_report  # noqa: E402

DECIDING = {
    "approved": "case.approve",
    "declined": "case.decline",
    "deferred": "case.defer",
    "rejected": "case.decline_request",
}


def seed_decisions_and_operations() -> None:
    if Operation.objects.exists():
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditentry (seq, created_at, actor_id, actor_name, action,
                                          object_type, object_id, case_id, reason, data,
                                          prev_hash, hash)
            SELECT (SELECT coalesce(max(seq), 0) FROM audit_auditentry)
                       + row_number() OVER (ORDER BY c.id),
                   c.received_at + (c.id %% 40) * interval '1 day' + interval '3 hours',
                   NULL, 'bench', m.action, 'case', c.reference, c.id, '', '{}', '', ''
            FROM cases_case c
            JOIN (SELECT unnest(%(states)s::text[]) AS state,
                         unnest(%(actions)s::text[]) AS action) m ON m.state = c.state
            """,
            {"states": list(DECIDING), "actions": list(DECIDING.values())},
        )
        # Entries written later (by the intake and load benchmarks) follow these.
        cursor.execute(
            """
            UPDATE audit_audithead
            SET last_seq = (SELECT coalesce(max(seq), 0) FROM audit_auditentry)
            WHERE id = 1
            """
        )
        # What the deciding step records on the case itself, at the same moment.
        cursor.execute(
            """
            UPDATE cases_case c
            SET decided_at = c.received_at + (c.id %% 40) * interval '1 day' + interval '3 hours'
            WHERE c.state = ANY(%(states)s::text[])
            """,
            {"states": list(DECIDING)},
        )
        cursor.execute(
            """
            INSERT INTO enforcement_operation (case_id, wiki, op, target, params, performer,
                                               state, attempts, message, created_at,
                                               updated_at, done_at, verified_at)
            SELECT c.id, CASE WHEN c.id %% 2 = 0 THEN 'enwiki' ELSE 'dewiki' END, 'block',
                   'Seeded user ' || c.id, '{}', 'office', 'verified', 1, '',
                   c.received_at, c.received_at, c.received_at + interval '20 days',
                   c.received_at + interval '20 days'
            FROM cases_case c
            WHERE c.state = 'approved' AND c.kind = ANY(%(kinds)s::text[])
            """,
            {"kinds": list(PUBLIC_KINDS)},
        )
        cursor.execute("ANALYZE audit_auditentry")
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE enforcement_operation")
    print(
        f"seeded deciding audit entries and {Operation.objects.count():,} verified operations "
        f"in {time.perf_counter() - started:.1f} s"
    )


def timed(fn, runs):
    fn()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main(runs: int) -> None:
    seed_decisions_and_operations()
    period = period_of(timezone.now().astimezone(office_time_zone()).date())
    start, end = period.bounds(office_time_zone())
    in_period = Case.objects.filter(received_at__gte=start, received_at__lt=end).count()

    def report():
        return public_report(period, report_figures(period), report_figures(period.previous()))

    with CaptureQueriesContext(connection) as q:
        figures = report()
    shown = next(f for f in figures["figures"] if f["key"] == "response.global_ban.median_days")
    report_median, report_max = timed(report, max(3, runs // 10))
    print(
        f"report {period} ({in_period:,} cases received in the period), with the previous "
        f"period: median {report_median:.0f} ms, max {report_max:.0f} ms, {len(q)} SQL "
        f"queries; global ban median time to decision: {shown['value']} days"
    )

    client = Client()

    def log_page(fmt=""):
        def get():
            response = client.get(f"/transparency/office-actions/{fmt}")
            assert response.status_code == 200, response.content[:500]

        return get

    for fmt in ("", "?format=json"):
        median, worst = timed(log_page(fmt), runs)
        print(
            f"public log first page (GET /transparency/office-actions/{fmt}): "
            f"median {median:.1f} ms, max {worst:.1f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
