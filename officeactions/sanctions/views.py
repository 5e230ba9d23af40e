"""Pages' steps for sanctions, on the case page. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from officeactions.accounts.people import signed_in
from officeactions.cases.forms import TransitionForm
from officeactions.cases.models import Case
from officeactions.cases.views import act_on_case, visible_case
from officeactions.sanctions import selectors, services
from officeactions.sanctions.forms import (
    BanReportForm,
    BreachReportForm,
    ConductWarningForm,
    ReapplicationForm,
    SuspectDecisionForm,
)


@login_required
@require_POST
def conduct_warning_draft(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        services.conduct_warning_draft(case=case, actor=signed_in(request), **data)
        return "Warning drafted from the template and proposed. Submit it for review."

    return act_on_case(request, reference, act, "warning_form", ConductWarningForm(request.POST))


@login_required
@require_POST
def conduct_warning_issue(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        services.conduct_warning_issue(case=case, actor=signed_in(request))
        return "Warning issued: sent to the person by email, confidentially."

    return act_on_case(request, reference, act, "issue_form", TransitionForm(request.POST))


@login_required
@require_POST
def reapplication_check(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    period = selectors.rights_period(case)
    form = ReapplicationForm(request.POST, criteria=period.criteria if period else [])

    def act(case: Case, data: dict[str, Any]) -> str:
        check = services.reapplication_check(case=case, actor=signed_in(request), **data)
        return check.message

    return act_on_case(request, reference, act, "reapplication_form", form)


@login_required
@require_POST
def breach_report(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        report = services.breach_report_file(case=case, actor=signed_in(request), **data)
        return f"Breach report recorded: {report.accounts.count()} suspected accounts to decide."

    return act_on_case(request, reference, act, "breach_form", BreachReportForm(request.POST))


@login_required
@require_POST
def suspect_decide(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        suspect = services.suspected_account_decide(case=case, actor=signed_in(request), **data)
        return f"{suspect.username} on {suspect.wiki}: {suspect.get_status_display()}."

    return act_on_case(request, reference, act, "suspect_form", SuspectDecisionForm(request.POST))


@login_required
@require_POST
def ban_report(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        report = services.ban_report_file(case=case, actor=signed_in(request), **data)
        return f"Report attached; sanction case {report.sanction_case.reference} opened."

    return act_on_case(request, reference, act, "ban_report_form", BanReportForm(request.POST))
