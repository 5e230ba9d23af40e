"""Writes of the transparency app: publishing the half-yearly report."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.configured import office_time_zone
from officeactions.errors import InvalidInput, NotPermitted
from officeactions.policy import PolicyRefusal
from officeactions.policy.reports import REPORT_ROLES, Period, check_reportable, parse_period
from officeactions.transparency.models import PublishedReport
from officeactions.transparency.selectors import report_figures
from officeactions.transparency.visibility import public_report


def report_period(text: str, *, today: date | None = None) -> Period:
    """A period staff may report on: well-formed and already ended, else a clear 400."""
    today = today or timezone.now().astimezone(office_time_zone()).date()
    try:
        period = parse_period(text)
        check_reportable(period, today)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message, {"fields": {"period": [exc.message]}}) from None
    return period


@transaction.atomic
def report_publish(
    *, period: str, actor: User | None, today: date | None = None
) -> PublishedReport:
    """Compute the report for an ended period and publish it (again, replacing the earlier
    version: late decisions change the figures). ``actor`` None is the command line."""
    if actor is not None and not user_roles(actor) & REPORT_ROLES:
        raise NotPermitted("Only Trust & Safety staff, legal counsel and reviewers make reports.")
    when = report_period(period, today=today)
    figures = public_report(when, report_figures(when), report_figures(when.previous()))
    report, created = PublishedReport.objects.update_or_create(
        period=str(when),
        defaults={"figures": figures, "generated_at": timezone.now(), "generated_by": actor},
    )
    audit_append(
        actor=actor,
        action="report.publish" if created else "report.republish",
        object_type="report",
        object_id=str(when),
        data={"period": str(when)},
    )
    return report
