"""Staff pages for enforcement: thin wrappers over the enforcement services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from officeactions.accounts.people import signed_in
from officeactions.cases.models import Case
from officeactions.cases.views import act_on_case
from officeactions.enforcement import services
from officeactions.policy.catalog import Target
from officeactions.policy.workflow import TRANSITIONS


class EnforceForm(forms.Form):
    split_wide_ranges = forms.BooleanField(required=False)


class LiftForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


@login_required
@require_POST
def case_enforce(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        ops = services.case_enforce(
            case=case, actor=signed_in(request), split_wide_ranges=data["split_wide_ranges"]
        )
        return f"{len(ops)} operations queued for the wikis."

    return act_on_case(request, reference, act, "enforce_form", EnforceForm(request.POST))


@login_required
@require_POST
def case_lift(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        ops = services.case_lift(case=case, actor=signed_in(request), reason=data["reason"])
        return f"Lifted; {len(ops)} operations queued to undo it on the wikis."

    return act_on_case(request, reference, act, "lift_form", LiftForm(request.POST))


@login_required
@require_POST
def case_retry(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        count = services.enforcement_retry(case=case, actor=signed_in(request))
        return f"{count} failed operations queued again."

    return act_on_case(request, reference, act, "retry_form", forms.Form(request.POST))


class AddAccountForm(forms.Form):
    wiki = forms.CharField(max_length=64)
    username = forms.CharField(max_length=255)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


@login_required
@require_POST
def case_add_account(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, data: dict[str, Any]) -> str:
        ops = services.case_add_account(case=case, actor=signed_in(request), **data)
        return f"{data['username']} added; {len(ops)} blocks queued."

    return act_on_case(request, reference, act, "account_form", AddAccountForm(request.POST))


def case_context(case: Case, user: Any) -> dict[str, Any]:
    """What the case page shows of the action on the wikis: the ledger and its incidents."""
    standing = case.case_state in TRANSITIONS["add_account"].sources
    return {
        "operations": case.operations.all(),
        "incidents": case.incidents.select_related("operation"),
        "add_account_open": standing and case.action_kind.target is Target.INDIVIDUAL,
    }
