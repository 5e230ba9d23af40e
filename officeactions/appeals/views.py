"""Appeal pages: the public form and private status page, and the staff/committee queue."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from officeactions import web
from officeactions.accounts.people import signed_in
from officeactions.accounts.roles import user_roles
from officeactions.appeals import selectors, services
from officeactions.appeals.forms import AppealForm, CounselForm, DecideForm, ModificationForm
from officeactions.appeals.models import Appeal
from officeactions.cases.views import act_on_case
from officeactions.errors import ApplicationError, NotFound
from officeactions.policy import Role
from officeactions.policy.appeals import PUBLIC_APPEAL_STATUS, AppealStatus


def public_appeal_status(appeal: Appeal) -> dict:
    """All the appellant sees: the reference, plain status words, and dates."""
    return {
        "reference": appeal.reference,
        "status": PUBLIC_APPEAL_STATUS[appeal.appeal_status],
        "filed_at": appeal.filed_at,
        "decided": appeal.decided_at is not None,
    }


def appeal_new(request: HttpRequest) -> HttpResponse:
    return web.public_form(
        request,
        AppealForm(request.POST or None),
        "appeals/new.html",
        submit=lambda form: services.appeal_file(data=form.cleaned_data),
        done=lambda filed: redirect("appeals:status", token=filed.token),
    )


@never_cache
def appeal_status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        appeal = services.appeal_by_token(token)
    except NotFound:
        return render(
            request, "intake/error.html", {"message": "No appeal has this status link."}, status=404
        )
    response = render(request, "appeals/status.html", {"status": public_appeal_status(appeal)})
    response["Referrer-Policy"] = "no-referrer"  # the link is the secret; don't leak it
    return response


def _visible(request: HttpRequest, reference: str) -> Appeal:
    try:
        return selectors.appeal_get_visible(request.user, reference)
    except NotFound:
        raise Http404(f"No appeal {reference} that you can see.") from None


def _may_see_appeals(request: HttpRequest) -> None:
    if not user_roles(request.user):
        raise Http404("No appeals that you can see.")


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    _may_see_appeals(request)
    appeals = selectors.appeal_queue(request.user)
    return render(request, "appeals/list.html", {"appeals": appeals[:200]})


def _decision_context(appeal: Appeal) -> dict:
    """What the reviewer needs to decide: the decision appealed, never the case file."""
    proposal = appeal.case.proposals.filter(status="approved").first()
    return {
        "kind_name": appeal.case.action_kind.name,
        "terms": proposal.terms if proposal else {},
        "rationale": proposal.rationale if proposal else "",
        "modifications": appeal.case.modifications.all(),
    }


def _detail(request: HttpRequest, appeal: Appeal, error: str = "", status: int = 200):
    roles = user_roles(request.user)
    context = {
        "appeal": appeal,
        "decision": _decision_context(appeal),
        "is_staff_view": services.cases_visible_to(request.user).filter(pk=appeal.case_id).exists(),
        "may_counsel": Role.LEGAL_COUNSEL in roles
        and appeal.appeal_status is AppealStatus.AWAITING_COUNSEL,
        "may_decide": appeal.appeal_status is AppealStatus.IN_REVIEW
        and services.may_decide(appeal, request.user),
        "counsel_form": CounselForm(),
        "decide_form": DecideForm(),
        "error": error,
    }
    return render(request, "appeals/detail.html", context, status=status)


@login_required
def appeal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, _visible(request, reference))


def _step(request: HttpRequest, reference: str, form, action) -> HttpResponse:
    appeal = _visible(request, reference)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _detail(request, appeal, error=first, status=400)
    try:
        message = action(appeal, form.cleaned_data)
    except ApplicationError as exc:
        return _detail(request, _visible(request, reference), error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("appeals:detail", reference=appeal.reference)


@login_required
@require_POST
def appeal_counsel(request: HttpRequest, reference: str) -> HttpResponse:
    def act(appeal, data):
        approve = data["decision"] == "approve"
        services.appeal_counsel_decide(
            appeal=appeal, actor=signed_in(request), approve=approve, note=data["note"]
        )
        return "Approved for review." if approve else "Refused."

    return _step(request, reference, CounselForm(request.POST), act)


@login_required
@require_POST
def appeal_decide(request: HttpRequest, reference: str) -> HttpResponse:
    def act(appeal, data):
        appeal = services.appeal_decide(appeal=appeal, actor=signed_in(request), **data)
        if appeal.lift_pending:
            return "Overturned. The case's staff will lift the action on the wikis."
        return f"Appeal {appeal.appeal_status.label.lower()}."

    return _step(request, reference, DecideForm(request.POST), act)


@login_required
@require_POST
def appeal_lift(request: HttpRequest, reference: str) -> HttpResponse:
    def act(appeal, data):
        services.appeal_lift(appeal=appeal, actor=signed_in(request))
        return "Lifted; the wikis are being updated."

    return _step(request, reference, forms.Form(request.POST), act)


@login_required
@require_POST
def case_modification(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.modification_record(case=case, actor=signed_in(request), **data)
        return "Modification recorded."

    return act_on_case(request, reference, act, "modification_form", ModificationForm(request.POST))
