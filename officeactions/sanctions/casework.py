"""What sanctions add to a case page: the conduct warning, the no-rights period with its
reapplication checks, the reports against a ban and, on a case opened from one, where it came
from. Registered in SanctionsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.urls import path

from officeactions.cases.configured import catalog
from officeactions.cases.extensions import CaseSection, Registry, Slot
from officeactions.cases.models import Case
from officeactions.enforcement.services import enforceable
from officeactions.policy.catalog import Target
from officeactions.policy.workflow import TRANSITIONS, CaseState
from officeactions.sanctions import api, selectors, views
from officeactions.sanctions.forms import (
    BanReportForm,
    BreachReportForm,
    ConductWarningForm,
    ReapplicationForm,
)
from officeactions.sanctions.models import BanReport, ConductWarning
from officeactions.sanctions.services import warning_issue_refusal

# A reapplication is checked once the removal was carried out, whatever became of it since.
REAPPLICATION_STATES = frozenset({CaseState.IN_EFFECT, CaseState.EXPIRED, CaseState.LIFTED})


def from_report_context(case: Case, user: Any) -> dict[str, Any]:
    report = BanReport.objects.filter(sanction_case=case).select_related("case").first()
    return {"from_report": report}


def conduct_warning_context(case: Case, user: Any) -> dict[str, Any]:
    return {
        "conduct_warning": ConductWarning.objects.filter(case=case).first(),
        "warning_form": ConductWarningForm(),
    }


def rights_period_context(case: Case, user: Any) -> dict[str, Any]:
    period = selectors.rights_period(case)
    return {
        "rights_period": period,
        "regrants_in_period": selectors.regrants_in_period(case, period),
        "reapplication_form": ReapplicationForm(criteria=period.criteria if period else []),
        "reapplication_checks": case.reapplication_checks.select_related("checked_by"),
        "reapplication_open": case.case_state in REAPPLICATION_STATES,
    }


def ban_reports_context(case: Case, user: Any) -> dict[str, Any]:
    # Reports are attached to a ban against a person that stands (being enforced or in effect)
    # and is carried out on the wikis, as the services require (not an event ban or a warning).
    kind = case.action_kind
    standing = case.case_state in TRANSITIONS["add_account"].sources
    return {
        "breach_reports": case.breach_reports.prefetch_related("accounts"),
        "ban_reports": case.ban_reports.select_related("sanction_case"),
        "ban_reports_open": standing
        and kind.target is Target.INDIVIDUAL
        and enforceable(kind)
        and case.subject_id is not None,
        "breach_form": BreachReportForm(),
        "ban_report_form": BanReportForm(),
    }


def register(registry: Registry) -> None:
    warned = frozenset(kind.code for kind in catalog() if kind.notice_template)
    registry.add_section(
        CaseSection(Slot.REQUEST, "sanctions/case/from_report.html", from_report_context)
    )
    registry.add_section(
        CaseSection(
            Slot.KIND, "sanctions/case/conduct_warning.html", conduct_warning_context, warned
        )
    )
    registry.add_section(
        CaseSection(Slot.KIND, "sanctions/case/no_rights_period.html", rights_period_context)
    )
    registry.add_section(
        CaseSection(
            Slot.AFTER_PROPOSAL, "sanctions/case/ban_reports.html", ban_reports_context, order=20
        )
    )
    registry.add_step_form("propose_action", "sanctions/steps/draft_warning.html", warned)
    registry.add_step_form("issue_warning", "sanctions/steps/issue_warning.html", warned)
    registry.add_step_condition(warning_issue_refusal)
    api.register(registry)


# Under cases/ in the "cases" namespace (the shell's urls.py composes them).
case_urlpatterns = [
    path("<str:reference>/conduct-warning/", views.conduct_warning_draft, name="warning-draft"),
    path(
        "<str:reference>/conduct-warning/issue/", views.conduct_warning_issue, name="warning-issue"
    ),
    path("<str:reference>/reapplication/", views.reapplication_check, name="reapplication"),
    path("<str:reference>/breach-reports/", views.breach_report, name="breach-report"),
    path("<str:reference>/suspected-accounts/", views.suspect_decide, name="suspect"),
    path("<str:reference>/ban-reports/", views.ban_report, name="ban-report"),
]
