"""Staff web pages. Thin: read through selectors, write through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from officeactions.accounts.people import signed_in
from officeactions.accounts.roles import is_staff_member, user_roles
from officeactions.cases import selectors, services, subjects
from officeactions.cases.configured import catalog
from officeactions.cases.extensions import registry
from officeactions.cases.forms import (
    AssignForm,
    CaseOpenForm,
    DelayForm,
    EvidenceForm,
    ProposalForm,
    ReviewForm,
    SubjectFields,
    TransitionForm,
    subject_display_name,
)
from officeactions.cases.models import Case
from officeactions.errors import ApplicationError, InvalidInput, NotFound
from officeactions.policy import Team
from officeactions.policy.sanctions import WHY_NO_WARNING
from officeactions.policy.workflow import CLOSED_STATES, CaseState


def visible_case(request: HttpRequest, reference: str) -> Case:
    try:
        return selectors.case_get_visible(request.user, reference)
    except NotFound:
        raise Http404(f"No case {reference} that you can see.") from None


def _detail(
    request: HttpRequest, case: Case, *, error: str = "", status: int = 200, forms=None
) -> HttpResponse:
    proposal = selectors.pending_proposal(case) or case.proposals.first()
    slots, section_context = registry.sections_for(case, request.user)
    context = {
        "case": case,
        "kind": case.action_kind,
        "rule": selectors.review_rule_for(case),
        "proposal": proposal,
        "reviews": proposal.reviews.select_related("reviewer") if proposal else [],
        "quorum": selectors.proposal_quorum(case, proposal) if proposal else None,
        "steps": [
            (t, registry.step_form(t.name, case))
            for t in selectors.available_transitions(case, request.user)
        ],
        "timeline": selectors.case_timeline(case),
        "evidence": case.evidence.select_related("added_by"),
        "assignees": case.assignees.order_by("username"),
        "clock": case.clock(),
        "slots": slots,
        **section_context,
        "case_is_open": case.case_state not in CLOSED_STATES,
        "delays": case.delays.select_related("recorded_by"),
        "delay_form": DelayForm(),
        "proposal_form": _proposal_form(case),
        "warning_history": selectors.warning_history(case, request.user),
        "review_form": ReviewForm(),
        "evidence_form": EvidenceForm(),
        "assign_form": AssignForm(),
        "subject_form": SubjectFields(),
        "may_record_subject": case.subject_id is None
        and case.case_state in subjects.SUBJECT_STATES
        and Team(case.team).member_role in user_roles(request.user),
        "error": error,
        **(forms or {}),
    }
    template = "cases/_panel.html" if request.headers.get("HX-Request") else "cases/detail.html"
    return render(request, template, context, status=status)


def _proposal_form(case: Case, data=None) -> ProposalForm:
    # A ban that may follow warnings asks why none was given, for a direct ban.
    optional = (WHY_NO_WARNING,) if case.action_kind.warning_kinds else ()
    return ProposalForm(data, rule=selectors.review_rule_for(case), optional_terms=optional)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The staff queue (open cases by urgency), or every case with ?show=all."""
    show = request.GET.get("show", "queue")
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    if show == "all":
        cases = selectors.cases_visible_to(request.user).with_list_data()
    else:
        cases = selectors.case_queue(request.user)
    if state in CaseState:
        cases = cases.filter(state=state)
    if kind in catalog():
        cases = cases.filter(kind=kind)
    now = timezone.now()
    rows = [(case, case.clock(now)) for case in cases[:200]]
    return render(
        request,
        "cases/list.html",
        {
            "rows": rows,
            "show": show,
            "states": [(s.value, s.label) for s in CaseState],
            "kinds": catalog().choices(),
            "state": state,
            "kind": kind,
            "is_staff_member": is_staff_member(request.user),
        },
    )


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    form = CaseOpenForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open_from_input(
                    actor=signed_in(request),
                    kind=data["kind"],
                    title=data["title"],
                    summary=data["summary"],
                    team=data["team"] or None,
                    enforces=data["enforces"],
                    subject_id=data["subject_id"],
                    subject_name=subject_display_name(data),
                    accounts=data["accounts"],
                    addresses=data["addresses"],
                )
            except ApplicationError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, f"Case {case.reference} opened.")
                return redirect("cases:detail", reference=case.reference)
        else:
            status = 400
    return render(request, "cases/new.html", {"form": form, "error": error}, status=status)


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, visible_case(request, reference))


def act_on_case(request: HttpRequest, reference: str, action, form_name: str, form) -> HttpResponse:
    """Run one service call from a posted form; on refusal show the case with the reason."""
    case = visible_case(request, reference)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _detail(request, case, error=first, status=400, forms={form_name: form})
    try:
        message = action(case, form.cleaned_data)
    except ApplicationError as exc:
        case = visible_case(request, reference)
        return _detail(request, case, error=exc.message, status=exc.status, forms={form_name: form})
    messages.success(request, message)
    if request.headers.get("HX-Request"):
        return _detail(request, visible_case(request, reference))
    return redirect("cases:detail", reference=reference)


@login_required
@require_POST
def case_transition(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    def act(case, data):
        case = services.case_transition(
            case=case,
            actor=signed_in(request),
            name=name,
            reason=data["reason"],
            message_to_requester=data["message_to_requester"],
            seriousness=data["seriousness"] or 1,
            bad_faith=data["bad_faith"],
        )
        return f"Done. The case is now {case.case_state.label.lower()}."

    return act_on_case(request, reference, act, "transition_form", TransitionForm(request.POST))


@login_required
@require_POST
def case_propose(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    form = _proposal_form(case, request.POST)

    def act(case, data):
        services.proposal_create(
            case=case, actor=signed_in(request), rationale=data["rationale"], terms=form.terms()
        )
        return "Action proposed. Submit it for review when it is ready."

    return act_on_case(request, reference, act, "proposal_form", form)


@login_required
@require_POST
def case_review(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.review_submit(
            case=case, actor=signed_in(request), decision=data["decision"], comment=data["comment"]
        )
        return f"Review recorded: {data['decision']}."

    return act_on_case(request, reference, act, "review_form", ReviewForm(request.POST))


@login_required
@require_POST
def case_evidence(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.evidence_add(
            case=case, actor=signed_in(request), url=data["url"], note=data["note"]
        )
        return "Evidence added."

    return act_on_case(request, reference, act, "evidence_form", EvidenceForm(request.POST))


@login_required
@require_POST
def case_subject(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        subjects.case_subject_record(
            case=case,
            actor=signed_in(request),
            display_name=subject_display_name(data),
            accounts=data["accounts"],
            addresses=data["addresses"],
        )
        return "The person is recorded on the case."

    return act_on_case(request, reference, act, "subject_form", SubjectFields(request.POST))


@login_required
@require_POST
def case_assign(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        user = get_user_model().objects.filter(username=data["username"].strip()).first()
        if user is None:
            raise InvalidInput(f"No staff member named {data['username']!r}.")
        services.case_assign(case=case, actor=signed_in(request), user=user)
        return f"{user.get_username()} is now on the case."

    return act_on_case(request, reference, act, "assign_form", AssignForm(request.POST))


@login_required
@require_POST
def case_delay(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.case_delay_record(
            case=case, actor=signed_in(request), reason=data["reason"], note=data["note"]
        )
        return "Reason for the delay recorded."

    return act_on_case(request, reference, act, "delay_form", DelayForm(request.POST))


@login_required
@require_POST
def case_follow_up(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.case_follow_up_review(case=case, actor=signed_in(request), comment=data["reason"])
        return "Second review recorded."

    return act_on_case(request, reference, act, "follow_up_form", TransitionForm(request.POST))
