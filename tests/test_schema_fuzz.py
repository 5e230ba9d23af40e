"""Fuzzing the API against its own OpenAPI schema (schemathesis, in-process over WSGI).

For every operation the schema documents, generated requests, authenticated with a staff
member's personal token, must never get a 5xx, and every answer must be one the schema
documents (status code, content type, body). Half of the generated requests name a real case
of a random kind, so the case endpoints are reached beyond their 404. Each request runs in a
transaction that is rolled back, so examples do not pile up on each other; no wiki registry is
configured here, so enforce, lift and retry reach no wiki (they are refused by state, or queue
work that the rollback discards).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from officeactions.accounts.services import api_token_create
from officeactions.cases import services
from officeactions.cases.configured import catalog
from officeactions.web import PublicThrottle

# Schema-valid input may still break a business rule the schema cannot say (an empty list of
# accounts, a date in the past, a step not allowed now): the answer is a documented 400/409,
# so "valid input must be accepted" does not hold here.
EXCLUDED = [positive_data_acceptance]
EXAMPLES = 20  # per operation: the whole file stays around a minute


@pytest.fixture
def fuzz_setup(people, monkeypatch, settings):
    # The public endpoints' rate limit would answer 429 to a fuzzer; it is tested on its own.
    monkeypatch.setattr(PublicThrottle, "rate", "100000/minute", raising=False)
    cache.clear()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    references = []
    for kind in catalog():
        actor = {"dmca_takedown": "counsel", "child_protection": "designee"}.get(kind.code, "agent")
        case = services.case_open(actor=people[actor], kind=kind.code, title=f"Fuzz {kind.code}")
        references.append(case.reference)
    # A staff member who sees the child-protection cases as well as the others.
    _, secret = api_token_create(user=people["designee"], name="fuzz")
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's own test client holds these signals off the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        yield schema, references, {"Authorization": f"Token {secret}"}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(operation, references: list[str], headers: dict) -> None:
    names = {p.name for p in operation.path_parameters}

    @given(case=operation.as_strategy(), real=st.sampled_from([None, *references]))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, real):
        if real and "reference" in names:
            case.path_parameters = {**case.path_parameters, "reference": real}
        with transaction.atomic():
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
            transaction.set_rollback(True)

    run()


def test_the_api_answers_as_its_schema_says(fuzz_setup):
    schema, references, headers = fuzz_setup
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API, not an empty schema
    for operation in operations:
        try:
            _fuzz(operation, references, headers)
        except (Exception, BaseExceptionGroup) as exc:  # one report names every defect
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
