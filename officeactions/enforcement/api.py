"""Enforcement's part of the staff API: enforce, lift, retry and add an account, the reports
against a ban, and the ledger and incidents it adds to the case detail. The shell's urls.py
composes ``api_urlpatterns`` under api/; ``register`` adds the case detail fields."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Manager, QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases import selectors
from officeactions.cases.api import (
    ERRORS,
    CaseDetailSerializer,
    case_action,
    detail_response,
)
from officeactions.cases.extensions import Registry
from officeactions.enforcement import services


class OperationSerializer(serializers.Serializer):
    wiki = serializers.CharField()
    op = serializers.CharField()
    target = serializers.CharField()
    performer = serializers.CharField()
    state = serializers.CharField()
    message = serializers.CharField()
    attempts = serializers.IntegerField()
    verified_at = serializers.DateTimeField(allow_null=True)


class IncidentListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Manager | Iterable) -> list:
        # Each incident shows its operation's target: read in the same query (the case detail
        # gives the case's incidents manager).
        if isinstance(data, Manager | QuerySet):
            data = data.select_related("operation")
        return super().to_representation(data)


class IncidentSerializer(serializers.Serializer):
    wiki = serializers.CharField()
    change = serializers.CharField()
    wiki_user = serializers.CharField()
    target = serializers.CharField(source="operation.target")
    comment = serializers.CharField()
    happened_at = serializers.DateTimeField()
    reapplied = serializers.BooleanField()

    class Meta:
        list_serializer_class = IncidentListSerializer


def register(registry: Registry) -> None:
    registry.add_api_field("operations", lambda: OperationSerializer(many=True, read_only=True))
    registry.add_api_field("incidents", lambda: IncidentSerializer(many=True, read_only=True))


class CaseEnforceApi(APIView):
    class CaseEnforceInputSerializer(serializers.Serializer):
        split_wide_ranges = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="cases_enforce",
        request=CaseEnforceInputSerializer,
        responses={202: CaseDetailSerializer, **ERRORS},
        description="Carry the approved action out on the wikis (queued for the worker).",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.CaseEnforceInputSerializer,
            services.case_enforce,
            status=202,
        )


class CaseLiftApi(APIView):
    class CaseLiftInputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(
        operation_id="cases_lift",
        request=CaseLiftInputSerializer,
        responses={202: CaseDetailSerializer, **ERRORS},
        description="Lift the action: undo it on every wiki (queued for the worker).",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request, reference, self.CaseLiftInputSerializer, services.case_lift, status=202
        )


class CaseRetryApi(APIView):
    @extend_schema(
        operation_id="cases_retry_enforcement",
        request=None,
        responses={202: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        actor = signed_in(request)
        case = selectors.case_get_visible(actor, reference)
        services.enforcement_retry(case=case, actor=actor)
        return detail_response(request, case, status=202)


class CaseAddAccountApi(APIView):
    class CaseAddAccountInputSerializer(serializers.Serializer):
        wiki = serializers.CharField(max_length=64)
        username = serializers.CharField(max_length=255)
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_add_account",
        request=CaseAddAccountInputSerializer,
        responses={202: CaseDetailSerializer, **ERRORS},
        description="Add an account staff confirmed as the banned person's; it is blocked too.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.CaseAddAccountInputSerializer,
            services.case_add_account,
            status=202,
        )


# -- reports against a ban: sockpuppets, proxies, interference ---------------------------


# Under api/ in the "api" namespace (the shell's urls.py composes them).
api_urlpatterns = [
    path("cases/<str:reference>/enforce/", CaseEnforceApi.as_view(), name="case-enforce"),
    path("cases/<str:reference>/lift/", CaseLiftApi.as_view(), name="case-lift"),
    path(
        "cases/<str:reference>/enforcement/retry/",
        CaseRetryApi.as_view(),
        name="case-retry",
    ),
    path("cases/<str:reference>/accounts/", CaseAddAccountApi.as_view(), name="case-account"),
]
