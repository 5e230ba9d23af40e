"""Appeals on real concurrent PostgreSQL transactions: one outcome, one appeal, never two."""

import pytest

from officeactions.accounts.roles import role_grant
from officeactions.appeals import services
from officeactions.appeals.models import Appeal
from officeactions.audit.models import AuditEntry
from officeactions.audit.services import audit_verify
from officeactions.errors import ApplicationError
from officeactions.policy import Role
from tests.helpers import make_user
from tests.test_appeals import file_as_subject, issued
from tests.test_races import race

pytestmark = [pytest.mark.postgres]


@pytest.mark.usefixtures("committed_db")
def test_two_committee_members_deciding_at_once_record_one_outcome(people):
    crc2 = make_user("crc2", [])
    role_grant(user=crc2, role=Role.CASE_REVIEW_COMMITTEE)
    for _ in range(4):
        case = issued(people, username="Appellant One")
        appeal = file_as_subject(case).appeal
        services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
        results = race(
            lambda a=appeal: services.appeal_decide(
                appeal=a, actor=people["crc"], outcome="upheld", reasons="Sound."
            ),
            lambda a=appeal: services.appeal_decide(
                appeal=a, actor=crc2, outcome="overturned", reasons="Unsound."
            ),
        )
        assert sum(isinstance(r, ApplicationError) for r in results) == 1
        decided = AuditEntry.objects.filter(
            object_id=appeal.reference, action__in=["appeal.upheld", "appeal.overturned"]
        )
        assert decided.count() == 1
        appeal.refresh_from_db()
        assert appeal.status == decided.get().action.split(".")[1]
    assert audit_verify().intact


@pytest.mark.usefixtures("committed_db")
def test_the_same_appeal_sent_twice_at_once_is_filed_once(people):
    case = issued(people)
    results = race(lambda: file_as_subject(case), lambda: file_as_subject(case))
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refusals) == 1 and "already open" in refusals[0].message
    assert Appeal.objects.filter(case=case).count() == 1
