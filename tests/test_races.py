"""Racing staff on real concurrent PostgreSQL transactions: nothing counts twice or is lost."""

import threading

import pytest
from django.db import connection

from officeactions.audit.models import AuditEntry
from officeactions.audit.services import audit_verify
from officeactions.cases import services
from officeactions.cases.models import Case, Review
from officeactions.errors import ApplicationError
from officeactions.policy.workflow import CaseState
from officeactions.sanctions import services as sanctions

pytestmark = [pytest.mark.postgres]


def race(*calls):
    """Run the calls at the same moment, each on its own connection; return what each did."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except ApplicationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.usefixtures("committed_db")
def test_two_approvals_racing_for_the_last_places_both_count(people, case_in_review):
    for _ in range(8):
        case = case_in_review("event_ban")  # needs two distinct approvers
        race(
            lambda c=case: services.review_submit(
                case=c, actor=people["reviewer1"], decision="approve"
            ),
            lambda c=case: services.review_submit(
                case=c, actor=people["reviewer2"], decision="approve"
            ),
        )
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED
        assert Review.objects.filter(proposal__case=case).count() == 2
        assert AuditEntry.objects.filter(case=case, action="case.approve").count() == 1
    assert audit_verify().intact


@pytest.mark.usefixtures("committed_db")
def test_one_person_approving_twice_at_once_counts_once(people, case_in_review):
    for _ in range(5):
        case = case_in_review("global_ban")
        results = race(
            *[
                lambda c=case: services.review_submit(
                    case=c, actor=people["reviewer1"], decision="approve"
                )
            ]
            * 3
        )
        refusals = [r for r in results if isinstance(r, ApplicationError)]
        assert len(refusals) == 2
        assert all("already reviewed" in r.message for r in refusals)
        assert Review.objects.filter(proposal__case=case).count() == 1
    assert audit_verify().intact


@pytest.mark.usefixtures("committed_db")
def test_two_staff_triaging_at_once_take_one_step(people, open_case):
    case = open_case()
    results = race(
        lambda: services.case_transition(case=case, actor=people["agent"], name="accept"),
        lambda: services.case_transition(
            case=case, actor=people["agent2"], name="defer", reason="Community first."
        ),
    )
    done = [r for r in results if isinstance(r, Case)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(done) == 1 and len(refused) == 1
    assert "Cannot" in refused[0].message
    case.refresh_from_db()
    assert case.state == done[0].state
    assert (
        AuditEntry.objects.filter(case=case, action__in=["case.accept", "case.defer"]).count() == 1
    )
    assert audit_verify().intact


@pytest.mark.usefixtures("committed_db")
def test_a_warning_issued_twice_at_once_is_sent_once(people):
    from django.core import mail

    from officeactions.sanctions.models import ConductWarning
    from tests.helpers import approved

    warning = approved(people, "conduct_warning")  # agent, reviewer1 and counsel are on it
    services.case_assign(case=warning, actor=people["agent"], user=people["agent2"])
    mail.outbox.clear()
    results = race(
        lambda: sanctions.conduct_warning_issue(case=warning, actor=people["agent"]),
        lambda: sanctions.conduct_warning_issue(case=warning, actor=people["agent2"]),
    )
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refusals) == 1
    assert len(mail.outbox) == 1
    assert ConductWarning.objects.get(case=warning).issued_at is not None
    assert AuditEntry.objects.filter(case=warning, action="case.issue_warning").count() == 1
    assert audit_verify().intact
