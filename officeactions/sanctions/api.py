"""The sanctions API: the fields a case's detail gains (a conduct warning, a no-rights period
and its reapplication checks, reports against a ban) and the steps that record them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.cases.api import (
    AccountSerializer,
    CaseDetailSerializer,
    case_action,
)
from officeactions.cases.extensions import Registry
from officeactions.cases.models import Case
from officeactions.sanctions import selectors, services
from officeactions.sanctions.models import BanReport, ConductWarning
from officeactions.web import ERRORS


class ConductWarningSerializer(serializers.Serializer):
    recipient_email = serializers.EmailField()
    conduct = serializers.CharField()
    expectations = serializers.CharField()
    text = serializers.CharField()
    drafted_by = serializers.CharField(source="drafted_by.username")
    drafted_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(allow_null=True)


class RightsPeriodSerializer(serializers.Serializer):
    period = serializers.CharField()
    permanent = serializers.BooleanField()
    criteria = serializers.ListField(child=serializers.CharField())
    removed_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    regranted_during_period_by = serializers.ListField(
        child=serializers.CharField(), help_text="Who re-granted the rights during the period"
    )


class ReapplicationCheckSerializer(serializers.Serializer):
    applied_on = serializers.DateField()
    criteria_met = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()
    message = serializers.CharField()
    note = serializers.CharField()
    checked_by = serializers.CharField(source="checked_by.username")
    checked_at = serializers.DateTimeField()


class SuspectedAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    wiki = serializers.CharField()
    username = serializers.CharField()
    status = serializers.CharField()
    note = serializers.CharField()


class BreachReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reported_by = serializers.CharField()
    summary = serializers.CharField()
    evidence_url = serializers.CharField()
    received_at = serializers.DateTimeField()
    accounts = SuspectedAccountSerializer(many=True)


class BanReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    wiki = serializers.CharField()
    username = serializers.CharField()
    summary = serializers.CharField()
    evidence_url = serializers.CharField()
    received_at = serializers.DateTimeField()
    sanction_case = serializers.CharField(source="sanction_case.reference")


def _case_field(schema: serializers.Field, read: Callable[[Case], Any]) -> type[serializers.Field]:
    """A read-only field of the case detail whose value is read off the case by ``read``."""

    @extend_schema_field(schema)
    class CaseField(serializers.Field):
        def __init__(self) -> None:
            super().__init__(source="*", read_only=True)

        def to_representation(self, case: Case) -> Any:
            return read(case)

    return CaseField


def _conduct_warning(case: Case) -> dict | None:
    warning = ConductWarning.objects.filter(case=case).first()
    return ConductWarningSerializer(warning).data if warning else None


def _no_rights_period(case: Case) -> dict | None:
    period = selectors.rights_period(case)
    if period is None:
        return None
    return {
        "period": period.period.describe(),
        "permanent": period.period.permanent,
        "criteria": period.criteria,
        "removed_on": period.removed_on,
        "ends_on": period.ends_on,
        "regranted_during_period_by": [
            i.wiki_user for i in selectors.regrants_in_period(case, period)
        ],
    }


def _from_report_on(case: Case) -> str | None:
    """The ban whose proxy or interference report opened this case."""
    report = BanReport.objects.filter(sanction_case=case).select_related("case").first()
    return report.case.reference if report else None


def register(registry: Registry) -> None:
    registry.add_api_field(
        "conduct_warning",
        _case_field(ConductWarningSerializer(allow_null=True), _conduct_warning),
    )
    registry.add_api_field(
        "no_rights_period",
        _case_field(RightsPeriodSerializer(allow_null=True), _no_rights_period),
    )
    registry.add_api_field(
        "reapplication_checks",
        lambda: ReapplicationCheckSerializer(many=True, read_only=True),
    )
    registry.add_api_field(
        "breach_reports", lambda: BreachReportSerializer(many=True, read_only=True)
    )
    registry.add_api_field("ban_reports", lambda: BanReportSerializer(many=True, read_only=True))
    registry.add_api_field(
        "from_report_on", _case_field(serializers.CharField(allow_null=True), _from_report_on)
    )


class CaseConductWarningApi(APIView):
    class ConductWarningDraftInputSerializer(serializers.Serializer):
        recipient_email = serializers.CharField(max_length=254)
        conduct = serializers.CharField()
        expectations = serializers.CharField()
        rationale = serializers.CharField()

    @extend_schema(
        operation_id="cases_conduct_warning_draft",
        request=ConductWarningDraftInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
        description="Draft the conduct warning from its template and propose it for review.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.ConductWarningDraftInputSerializer,
            services.conduct_warning_draft,
            status=201,
        )


class CaseConductWarningIssueApi(APIView):
    class ConductWarningIssueInputSerializer(serializers.Serializer):
        pass

    @extend_schema(
        operation_id="cases_conduct_warning_issue",
        request=None,
        responses={200: CaseDetailSerializer, **ERRORS},
        description="Send the approved warning to the person by email, confidentially.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.ConductWarningIssueInputSerializer,
            services.conduct_warning_issue,
        )


class CaseReapplicationCheckApi(APIView):
    class ReapplicationCheckInputSerializer(serializers.Serializer):
        applied_on = serializers.DateField()
        criteria_met = serializers.ListField(
            child=serializers.CharField(), required=False, default=list
        )
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_reapplication_check",
        request=ReapplicationCheckInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
        description="Check a reapplication for advanced rights against the recorded period "
        "and criteria; the outcome is recorded on the case.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.ReapplicationCheckInputSerializer,
            services.reapplication_check,
            status=201,
        )


class CaseBreachReportApi(APIView):
    class BreachReportInputSerializer(serializers.Serializer):
        reported_by = serializers.CharField(max_length=255)
        summary = serializers.CharField()
        evidence_url = serializers.CharField(
            max_length=2000, required=False, default="", allow_blank=True
        )
        accounts = AccountSerializer(many=True, allow_empty=False)

        def validate_accounts(self, value: list[dict]) -> list[tuple[str, str]]:
            return [(a["wiki"], a["username"]) for a in value]

    @extend_schema(
        operation_id="cases_breach_report",
        request=BreachReportInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
        description="Record a sockpuppet report against a ban, listing the suspected accounts.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.BreachReportInputSerializer,
            services.breach_report_file,
            status=201,
        )


class CaseSuspectedAccountApi(APIView):
    class SuspectDecisionInputSerializer(serializers.Serializer):
        suspect_id = serializers.IntegerField()
        decision = serializers.ChoiceField(choices=["confirm", "reject"])
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_suspected_account_decide",
        request=SuspectDecisionInputSerializer,
        responses={200: CaseDetailSerializer, **ERRORS},
        description="Confirm a suspected account (added to the ban and blocked) or reject it.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.SuspectDecisionInputSerializer,
            services.suspected_account_decide,
        )


class CaseBanReportApi(APIView):
    class BanReportInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=BanReport.Kind.values)
        wiki = serializers.CharField(max_length=64)
        username = serializers.CharField(max_length=255)
        summary = serializers.CharField()
        sanction = serializers.CharField(max_length=32)
        evidence_url = serializers.CharField(
            max_length=2000, required=False, default="", allow_blank=True
        )

    @extend_schema(
        operation_id="cases_ban_report",
        request=BanReportInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
        description="Attach a report of a proxy for the banned person, or of interference "
        "with enforcement; it opens a proposed sanction case against that person.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.BanReportInputSerializer,
            services.ban_report_file,
            status=201,
        )


api_urlpatterns = [
    path("cases/<str:reference>/conduct-warning/", CaseConductWarningApi.as_view()),
    path("cases/<str:reference>/conduct-warning/issue/", CaseConductWarningIssueApi.as_view()),
    path("cases/<str:reference>/reapplication-checks/", CaseReapplicationCheckApi.as_view()),
    path("cases/<str:reference>/breach-reports/", CaseBreachReportApi.as_view()),
    path("cases/<str:reference>/suspected-accounts/", CaseSuspectedAccountApi.as_view()),
    path("cases/<str:reference>/ban-reports/", CaseBanReportApi.as_view()),
]
