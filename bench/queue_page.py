"""The staff queue on a large database: first page of 50 by urgency, through the selector
(what the page renders) and through the JSON API, with the SQL query count of each.

Usage: DATABASE_URL=... python bench/queue.py [runs]
"""

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
os.environ.setdefault("OFFICEACTIONS_ALLOWED_HOSTS", "testserver")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from officeactions.accounts.roles import role_grant  # noqa: E402
from officeactions.cases import selectors  # noqa: E402
from officeactions.cases.models import Case  # noqa: E402
from officeactions.policy import Role  # noqa: E402


def timed(fn, runs):
    fn()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), sorted(samples)[int(len(samples) * 0.95) - 1]


def main(runs: int) -> None:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-staff")
    role_grant(user=user, role=Role.TS_STAFF)
    role_grant(user=user, role=Role.CHILD_PROTECTION)
    user = User.objects.get(pk=user.pk)
    total = Case.objects.count()

    def page():
        return list(selectors.case_queue(user)[:50])

    api = APIClient()
    api.force_authenticate(user)

    def api_page():
        response = api.get("/api/queue/?limit=50")
        assert response.status_code == 200, response.content
        return response

    # Counted at once: each test-client request resets Django's query log.
    with CaptureQueriesContext(connection) as q:
        rows = page()
    page_queries = len(q)
    with CaptureQueriesContext(connection) as q_api:
        api_page()
    api_queries = len(q_api)
    page_median, page_p95 = timed(page, runs)
    api_median, api_p95 = timed(api_page, runs)
    print(f"cases in database: {total:,}; first page rows: {len(rows)}")
    print(
        f"queue selector, first 50: median {page_median:.1f} ms, p95 {page_p95:.1f} ms, "
        f"{page_queries} SQL queries"
    )
    print(
        f"queue API (GET /api/queue/?limit=50): median {api_median:.1f} ms, "
        f"p95 {api_p95:.1f} ms, {api_queries} SQL queries"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
