"""Child protection: content suppressed at once by designated staff, before any second
review, and the NCMEC reports made about it. One transaction per function, audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.models import Case
from officeactions.cases.selectors import case_get_visible
from officeactions.cases.services import case_follow_up_require
from officeactions.enforcement.models import Operation
from officeactions.enforcement.runner import enforcement_run
from officeactions.enforcement.wikis import load_wikis
from officeactions.errors import InvalidInput, NotPermitted, StepRefused
from officeactions.legal.models import NcmecReport
from officeactions.legal.services import Op, http_url, locate
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState


def child_protection_suppress(*, case: Case, actor: User, url: str) -> Operation:
    """Suppress content at once, before any second review: revision suppression where the wiki
    allows it (an older revision), else deletion of the page. Runs in the request: "at once"."""
    op = _suppression_record(case, actor, url)
    enforcement_run(case_id=op.case_id)
    op.refresh_from_db()
    return op


@transaction.atomic
def _suppression_record(case: Case, actor: User, url: str) -> Operation:
    case = case_get_visible(actor, case.reference)
    if case.action_kind.code != "child_protection" or Role.CHILD_PROTECTION not in user_roles(
        actor
    ):
        raise NotPermitted(
            "Only designated child-protection staff suppress content, on such cases."
        )
    if case.case_state in (CaseState.DECLINED, CaseState.REJECTED, CaseState.DEFERRED):
        raise StepRefused("This case is closed.")
    try:
        http_url(url)
    except ValidationError:
        raise InvalidInput(f"{url[:200]!r} is not a valid http(s) URL.") from None
    place = locate(url, load_wikis())
    if place.get("revid"):
        op = Operation(
            op=Op.SUPPRESS,
            target=f"{place['title']}#{place['revid']}",
            params={"revid": place["revid"]},
        )
    else:
        op = Operation(op=Op.DELETE, target=place["title"])
    op.case, op.wiki, op.performer = case, place["wiki"], "office"
    if Operation.objects.filter(case=case, wiki=op.wiki, op=op.op, target=op.target).exists():
        raise StepRefused(f"{op.target} on {op.wiki} is already being suppressed.")
    op.save()
    case_follow_up_require(case=case, actor=actor)  # acted at once: a second review falls due
    audit_append(
        actor=actor,
        action="child_protection.suppress",
        object_type="operation",
        object_id=str(op.pk),
        case=case,
        data={"wiki": op.wiki, "op": op.op},
    )
    return op


@transaction.atomic
def ncmec_report_record(
    *,
    case: Case,
    actor: User,
    report_id: str,
    reported_at: datetime,
    preserved: str,
    preservation_ends: date | None = None,
    law_enforcement: str = "",
) -> NcmecReport:
    case = case_get_visible(actor, case.reference)
    if case.action_kind.code != "child_protection" or Role.CHILD_PROTECTION not in user_roles(
        actor
    ):
        raise NotPermitted("Only designated child-protection staff record NCMEC reports.")
    if not report_id.strip() or not preserved.strip():
        raise InvalidInput("A NCMEC report needs its report id and what was preserved, where.")
    if reported_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput("The report time is in the future.")
    # 18 U.S.C. 2258A(h) as amended by the REPORT Act (2024): one year unless extended.
    ends = preservation_ends or (reported_at + timedelta(days=365)).date()
    if ends < reported_at.date():
        raise InvalidInput("Preservation cannot end before the report was made.")
    if NcmecReport.objects.filter(report_id=report_id.strip()).exists():
        raise StepRefused(f"NCMEC report {report_id.strip()} is already recorded.")
    report = NcmecReport.objects.create(
        case=case,
        report_id=report_id.strip(),
        reported_at=reported_at,
        preserved=preserved.strip(),
        preservation_ends=ends,
        law_enforcement=law_enforcement.strip(),
        referred_at=timezone.now() if law_enforcement.strip() else None,
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action="child_protection.ncmec_report",
        object_type="ncmec_report",
        object_id=str(report.pk),
        case=case,
        data={"preservation_ends": ends.isoformat(), "referral": bool(law_enforcement.strip())},
    )
    return report
