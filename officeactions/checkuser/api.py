"""CheckUser API on a case: entries for who sees the case, results only for the case's staff."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases import selectors as case_selectors
from officeactions.cases.api import ERRORS
from officeactions.checkuser import selectors, services
from officeactions.errors import NotFound
from officeactions.policy.checkuser import Purpose, WithholdReason


class DisclosureSerializer(serializers.Serializer):
    decision = serializers.CharField()
    stewards = serializers.ListField(child=serializers.CharField())
    withhold_reason = serializers.CharField()
    note = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()


class EntryOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="entry.pk")
    purpose = serializers.CharField(source="entry.purpose")
    justification = serializers.CharField(source="entry.justification")
    wiki = serializers.CharField(source="entry.wiki")
    performed_by = serializers.CharField(source="entry.performed_by.username")
    performed_at = serializers.DateTimeField(source="entry.performed_at")
    results_purged_at = serializers.DateTimeField(source="entry.results_purged_at", allow_null=True)
    targets = serializers.SerializerMethodField()
    results = serializers.CharField(allow_null=True, help_text="null unless you are case staff")
    disclosures = DisclosureSerializer(source="entry.disclosures.all", many=True)

    def get_targets(self, view) -> str | None:
        return view.entry.targets if view.results is not None else None


class EntryInSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=[p.value for p in Purpose])
    justification = serializers.CharField(max_length=20_000)
    wiki = serializers.CharField(max_length=64)
    targets = serializers.CharField(max_length=20_000)
    results = serializers.CharField(required=False, default="", allow_blank=True, max_length=20_000)


def _views(request: Request, case) -> list:
    return selectors.entries_for(case, request.user)


class CaseCheckUserApi(APIView):
    @extend_schema(
        operation_id="cases_checkuser_list",
        responses={200: EntryOutSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, reference: str) -> Response:
        case = case_selectors.case_get_visible(request.user, reference)
        return Response(EntryOutSerializer(_views(request, case), many=True).data)

    @extend_schema(
        operation_id="cases_checkuser_record",
        request=EntryInSerializer,
        responses={201: EntryOutSerializer(many=True), **ERRORS},
        description="Record a staff CheckUser use: purpose, the no-other-way justification, "
        "what was checked and the results (seen only by the case's staff).",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = EntryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_selectors.case_get_visible(request.user, reference)
        services.checkuser_record(case=case, actor=signed_in(request), **data.validated_data)
        return Response(EntryOutSerializer(_views(request, case), many=True).data, status=201)


def _entry(request: Request, reference: str, pk: int):
    case = case_selectors.case_get_visible(request.user, reference)
    entry = case.checkuser_entries.filter(pk=pk).first()
    if entry is None:
        raise NotFound(f"No CheckUser entry {pk} on case {reference}.")
    return case, entry


class CheckUserShareApi(APIView):
    class ShareInSerializer(serializers.Serializer):
        stewards = serializers.ListField(child=serializers.CharField(max_length=255), max_length=20)
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_checkuser_share",
        request=ShareInSerializer,
        responses={201: DisclosureSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        data = self.ShareInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, entry = _entry(request, reference, pk)
        disclosure = services.checkuser_share(
            entry=entry, actor=signed_in(request), **data.validated_data
        )
        return Response(DisclosureSerializer(disclosure).data, status=201)


class CheckUserWithholdApi(APIView):
    class WithholdInSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=[r.value for r in WithholdReason])
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_checkuser_withhold",
        request=WithholdInSerializer,
        responses={201: DisclosureSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        data = self.WithholdInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, entry = _entry(request, reference, pk)
        disclosure = services.checkuser_withhold(
            entry=entry, actor=signed_in(request), **data.validated_data
        )
        return Response(DisclosureSerializer(disclosure).data, status=201)
