"""Seed N cases straight into PostgreSQL (INSERT ... SELECT generate_series), for benchmarks.

The mix: every kind, about 2% of cases open (the rest closed), due dates spread around now so
that the queue has overdue, due-soon and on-track cases, child protection a small share.
Usage: DATABASE_URL=... python bench/seed_cases.py 1000000
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
django.setup()

from django.db import connection  # noqa: E402

from officeactions.policy import CATALOG  # noqa: E402

KINDS = [k.code for k in CATALOG]
TEAMS = {k.code: k.team.value for k in CATALOG}
OPEN = ["received", "accepted", "investigating", "action_proposed", "in_review"]
CLOSED = ["approved", "declined", "deferred", "rejected"]


def seed(n: int) -> None:
    sql = """
    INSERT INTO cases_case (reference, kind, team, state, title, summary, received_at, due_at,
                            queue_priority, created_at, updated_at)
    SELECT 'B-' || lpad(to_hex(g), 12, '0'),
           k.kind, k.team,
           CASE WHEN g %% 50 = 0 THEN (%(open)s::text[])[1 + (g / 50) %% 5]
                ELSE (%(closed)s::text[])[1 + g %% 4] END,
           'Seeded case ' || g, '',
           now() - (g %% 97) * interval '1 day',
           CASE WHEN k.kind = ANY(%(no_target)s::text[]) THEN NULL
                ELSE now() + ((g %% 61) - 30) * interval '1 day' END,
           CASE WHEN k.kind = 'child_protection' THEN 0 ELSE 1 END,
           now(), now()
    FROM generate_series(1, %(n)s) AS g,
         LATERAL (SELECT (%(kinds)s::text[])[1 + g %% %(nkinds)s] AS kind,
                         (%(teams)s::text[])[1 + g %% %(nkinds)s] AS team) AS k
    """
    params = {
        "n": n,
        "open": OPEN,
        "closed": CLOSED,
        "kinds": KINDS,
        "teams": [TEAMS[k] for k in KINDS],
        "nkinds": len(KINDS),
        "no_target": [k.code for k in CATALOG if k.response is None],
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("VACUUM ANALYZE cases_case")
    print(f"seeded {n:,} cases in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    seed(int(sys.argv[1]))
