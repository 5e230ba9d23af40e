"""The transparency report API: published reports are public; staff publish them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases.api import ERRORS
from officeactions.errors import InvalidInput, NotFound
from officeactions.policy import PolicyRefusal
from officeactions.policy.reports import parse_period
from officeactions.transparency.models import PublishedReport
from officeactions.transparency.services import report_publish


class ReportSummarySerializer(serializers.Serializer):
    period = serializers.CharField()
    generated_at = serializers.DateTimeField()


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    section = serializers.CharField()
    item = serializers.CharField()
    value = serializers.JSONField(help_text='A number, or "fewer than 5", or "not shown"')
    previous = serializers.JSONField()
    change = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    period = serializers.CharField()
    # The stubs see Field.label here; DRF's metaclass takes declared fields off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    previous_period = serializers.CharField()
    previous_label = serializers.CharField()
    small_count_threshold = serializers.IntegerField()
    appeals_note = serializers.CharField()
    figures = FigureSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=16, help_text="e.g. 2026H1; an ended period")


class ReportListApi(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="transparency_reports_list",
        responses={200: ReportSummarySerializer(many=True)},
        description="Published half-yearly transparency reports (public).",
    )
    def get(self, request: Request) -> Response:
        reports = PublishedReport.objects.only("period", "generated_at")
        return Response(ReportSummarySerializer(reports, many=True).data)

    @extend_schema(
        operation_id="transparency_report_publish",
        request=PeriodSerializer,
        responses={201: ReportSerializer, **ERRORS},
        description="Generate and publish the report for an ended period (staff). Publishing "
        "again replaces the earlier version.",
    )
    def post(self, request: Request) -> Response:
        data = PeriodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = report_publish(period=data.validated_data["period"], actor=signed_in(request))
        return Response(report.figures, status=201)


class ReportDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="transparency_report_get",
        responses={200: ReportSerializer, **ERRORS},
        description="One published report, every figure with the previous period's and the "
        "change. CSV, PDF and charts: /transparency/reports/{period}/.",
    )
    def get(self, request: Request, period: str) -> Response:
        try:
            when = parse_period(period)
        except PolicyRefusal as exc:
            raise InvalidInput(exc.message) from None
        report = PublishedReport.objects.filter(period=str(when)).first()
        if report is None:
            raise NotFound(f"No report for {when} has been published.")
        return Response(report.figures)
