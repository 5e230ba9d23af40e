"""What intake adds to a case that came from a public request: the request as received and its
requester on the case page, the answer to the requester after triage, and lifting a
requester's lock-out. Registered with the engine in IntakeConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases.api import ERRORS, CaseDetailSerializer, case_action
from officeactions.cases.extensions import CaseSection, Hook, Registry, Slot, no_context
from officeactions.cases.forms import LockoutLiftForm
from officeactions.cases.models import Case
from officeactions.cases.views import act_on_case
from officeactions.errors import InvalidInput
from officeactions.intake.models import Request
from officeactions.intake.services import (
    request_after_triage,
    requester_lockout_lift,
    requester_of,
)
from officeactions.policy.workflow import CaseState, Transition

# The triage steps: each answers the requester (mark_abusive with the abusive-requester rule).
TRIAGE_STEPS = ("accept", "defer", "decline_request", "mark_abusive")


def case_context(case: Case, user: Any) -> dict[str, Any]:
    record = Request.objects.filter(case=case).select_related("requester").first()
    requester = record.requester if record else None
    return {
        "request_record": record,
        "requester": requester,
        "abuse_marks": requester.abuse.all() if requester else [],
        "requester_locked": bool(requester and requester.locked_at(timezone.now())),
        "triage_hint": bool(
            record and case.case_state is CaseState.RECEIVED and not case.action_kind.primary
        ),
    }


def mark_abusive_refusal(case: Case, transition: Transition) -> str | None:
    if transition.name == "mark_abusive" and not Request.objects.filter(case=case).exists():
        return "There is no requester to warn or lock out."
    return None


def register(registry: Registry) -> None:
    registry.add_section(CaseSection(Slot.REQUEST, "intake/case/request.html", case_context))
    registry.add_section(CaseSection(Slot.AFTER_ACTIONS, "intake/case/requester.html", no_context))
    registry.add_section(CaseSection(Slot.BEFORE_STEPS, "intake/case/triage_hint.html", no_context))
    registry.add_step_condition(mark_abusive_refusal)
    for step in TRIAGE_STEPS:
        registry.add_step_form(step, "intake/steps/triage.html")
    registry.on(Hook.AFTER_TRIAGE, request_after_triage)


def case_requester_lift(*, case: Case, actor: User, reason: str) -> None:
    """Lift the lock-out of the requester whose request became this case."""
    requester = requester_of(case)
    if requester is None:
        raise InvalidInput("This case has no requester on record.")
    requester_lockout_lift(requester=requester, actor=actor, reason=reason)


@login_required
@require_POST
def requester_lift(request: HttpRequest, reference: str) -> HttpResponse:
    """Lift the lock-out of the requester of this case (seen through the case, so need to know
    applies)."""

    def act(case: Case, data: dict[str, Any]) -> str:
        case_requester_lift(case=case, actor=signed_in(request), reason=data["reason"])
        return "Lock-out lifted."

    return act_on_case(request, reference, act, "lift_form", LockoutLiftForm(request.POST))


class CaseRequesterLiftApi(APIView):
    class RequesterLiftInputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(
        operation_id="cases_requester_lift_lockout",
        request=RequesterLiftInputSerializer,
        responses={200: CaseDetailSerializer, **ERRORS},
        description="Lift the lock-out of the requester whose request became this case.",
    )
    def post(self, request: ApiRequest, reference: str) -> Response:
        return case_action(
            request, reference, self.RequesterLiftInputSerializer, case_requester_lift
        )


# Under cases/ in the "cases" namespace, and under api/ (the shell's urls.py composes them).
case_urlpatterns = [
    path("<str:reference>/requester/lift/", requester_lift, name="requester-lift"),
]
api_urlpatterns = [
    path(
        "cases/<str:reference>/requester/lift/",
        CaseRequesterLiftApi.as_view(),
        name="case-requester-lift",
    ),
]
