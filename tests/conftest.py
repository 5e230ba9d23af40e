"""Shared fixtures: named staff personas, a case factory, and the two-database plumbing."""

from __future__ import annotations

import pytest
from django.db import connection

from officeactions.cases import services
from officeactions.policy import Role
from tests.helpers import make_user, propose, walk
from tests.wikis import wiki_farm  # noqa: F401 - one session-wide pair of real wikis

PERSONAS: dict[str, list[Role]] = {
    "agent": [Role.TS_STAFF],  # does T&S case work
    "agent2": [Role.TS_STAFF],
    "counsel": [Role.LEGAL_COUNSEL],
    "counsel2": [Role.LEGAL_COUNSEL],
    "reviewer1": [Role.REVIEWER],
    "reviewer2": [Role.REVIEWER],
    "reviewer3": [Role.REVIEWER],
    "designee": [Role.TS_STAFF, Role.CHILD_PROTECTION],
    "designee2": [Role.CHILD_PROTECTION],
    "auditor": [Role.AUDITOR],
    "crc": [Role.CASE_REVIEW_COMMITTEE],
    "steward": [Role.STEWARD],
    "organiser": [Role.EVENT_ORGANISER],
    "outsider": [],
}


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A test's data lives in its own transaction, which the intake writer thread's connection
    # cannot see: submissions are stored in the calling thread, except where a test turns the
    # writer on (tests/test_intake.py does, with real commits).
    settings.OFFICEACTIONS_INTAKE_BATCHING = False
    # Production settings send plain http to https; the test client speaks plain http. The
    # deploy check of the production settings is tested on its own (tests/test_security.py).
    settings.SECURE_SSL_REDIRECT = False


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the PostgreSQL pass; the SQLite pass leaves them out."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep = [i for i in items if "postgres" not in i.keywords]
    left_out = [i for i in items if "postgres" in i.keywords]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep
        print(f"\n{len(left_out)} PostgreSQL-only tests are left to the PostgreSQL pass.")


@pytest.fixture(autouse=True)
def _audit_guard_on(request):
    """Every database test starts with the PostgreSQL append-only guard in force."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("RESET officeactions.audit_maintenance")
            break


@pytest.fixture
def committed_db(transactional_db):
    """Real commits (for concurrency tests). Teardown empties the tables, which on PostgreSQL
    needs the audit log's maintenance switch, set for this session only."""
    from officeactions.intake.writer import Filing

    Filing.run_after = None  # a filing task an earlier test queued is gone with its tables
    yield
    Filing.run_after = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET officeactions.audit_maintenance = 'on'")


@pytest.fixture
def people(db) -> dict:
    return {name: make_user(name, roles) for name, roles in PERSONAS.items()}


@pytest.fixture
def open_case(people):
    def make(kind: str = "global_ban", actor=None, **kwargs):
        actor = actor or (people["counsel"] if kind == "dmca_takedown" else people["agent"])
        if kind == "child_protection" and actor is people["agent"]:
            actor = people["designee"]
        return services.case_open(actor=actor, kind=kind, title=f"A {kind} case", **kwargs)

    return make


@pytest.fixture
def case_in_review(people, open_case):
    """A global ban proposed by `agent` and submitted for review."""

    def make(kind: str = "global_ban", terms=None, **kwargs):
        case = open_case(kind, **kwargs)
        actor = case.created_by
        walk(case, (actor, "accept"), (actor, "start_investigation"))
        propose(case, actor, "Evidence is clear.", terms)
        return walk(case, (actor, "submit_for_review"))

    return make


COMPLETE_REQUEST = {
    "action_requested": "global_ban",
    "summary": "This user threatens editors on three wikis.",
    "community_evidence": ["https://en.wikipedia.org/wiki/Wikipedia:Administrators%27_noticeboard"],
    "supporting_information": "Diffs: https://en.wikipedia.org/w/index.php?diff=1",
    "email": "reporter@example.org",
    "wiki_username": "reporter_one",
}


@pytest.fixture
def file_request(db):
    """File a public request (complete unless told otherwise) through the intake service."""
    from officeactions.intake.services import request_file, request_submit

    def make(**changes):
        data = {**COMPLETE_REQUEST, **changes}
        submission = request_submit(data={k: v for k, v in data.items() if v is not None})
        request_file(request_id=submission.request.pk)  # what the worker does next
        submission.request.refresh_from_db()
        return submission

    return make
