"""The intake writer alone: CPU and wall time of ``request_submit_batch`` per batch, one thread.

Batches of 1, 4, 16 and 48 distinct, complete submissions (from 500 requester addresses), 300
of each size, the first 20 not counted. What a web process's writer thread does under load,
without the web server, the load generator and the other threads around it.

Usage: DATABASE_URL=postgres://... python bench/intake_writer.py [batches]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
os.environ.setdefault("OFFICEACTIONS_SECRET_KEY", "bench")
os.environ.setdefault("OFFICEACTIONS_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django

django.setup()

from django.db import connection  # noqa: E402

from officeactions.intake import services, writer  # noqa: E402

WARM_UP = 20


def batch(run: str, size: int, number: int) -> list[writer.Intake]:
    return [
        services.request_validate(
            {
                "action_requested": "global_ban",
                "summary": f"Writer benchmark {run}-{size}-{number}-{n}",
                "community_evidence": ["https://en.wikipedia.org/wiki/WP:AN"],
                "supporting_information": "Diffs on the noticeboard.",
                "email": f"bench{(number * size + n) % 500}@example.org",
            }
        )
        for n in range(size)
    ]


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/intake_writer.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    batches = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    run = str(time.time_ns())
    for size in (1, 4, 16, 48):
        work = [batch(run, size, number) for number in range(batches)]
        for items in work[:WARM_UP]:
            services.request_submit_batch(items)
        wall, cpu = time.perf_counter(), time.process_time()
        for items in work[WARM_UP:]:
            services.request_submit_batch(items)
        counted = len(work) - WARM_UP
        wall = (time.perf_counter() - wall) / counted * 1000
        cpu = (time.process_time() - cpu) / counted * 1000
        print(
            f"batches of {size:2d}: {wall:.2f} ms wall, {cpu:.2f} ms CPU each ({counted} counted)"
        )


if __name__ == "__main__":
    main()
