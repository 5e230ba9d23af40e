"""The DMCA API: public notice and counter-notice intake, the public Lumen-shaped log, and the
staff steps on DMCA and child-protection cases."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases import selectors
from officeactions.cases.api import ERRORS, case_action, detail_response
from officeactions.errors import InvalidInput
from officeactions.legal import child_protection, counter_notices, services
from officeactions.legal.models import CounterNotice
from officeactions.policy.dmca import COUNTER_NOTICE_ELEMENTS, NOTICE_ELEMENTS
from officeactions.web import PublicApi


def urls() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=2000), required=False)


class NoticeInputSerializer(serializers.Serializer):
    sender_name = serializers.CharField(max_length=200)
    sender_organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    principal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    country_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    works = serializers.ListField(child=serializers.CharField(max_length=2000), required=False)
    copyrighted_urls = urls()
    infringing_urls = urls()
    signature = serializers.CharField(max_length=200, required=False, allow_blank=True)
    good_faith = serializers.BooleanField(required=False, default=False)
    accuracy_under_perjury = serializers.BooleanField(required=False, default=False)


class NoticeResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    valid = serializers.BooleanField()
    defects = serializers.ListField(child=serializers.CharField())


class CounterNoticeInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    removed_material = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    former_location = urls()
    mistake_under_perjury = serializers.BooleanField(required=False, default=False)
    consent_to_jurisdiction = serializers.BooleanField(required=False, default=False)
    signature = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CounterNoticeResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    valid = serializers.BooleanField()
    defects = serializers.ListField(child=serializers.CharField())
    putback_earliest = serializers.DateTimeField(allow_null=True)
    putback_latest = serializers.DateTimeField(allow_null=True)


class NoticeSubmitApi(PublicApi):
    body_serializer = NoticeInputSerializer

    @extend_schema(
        operation_id="public_dmca_notice",
        request=NoticeInputSerializer,
        responses={201: NoticeResultSerializer, **ERRORS},
        description="Send a DMCA takedown notice. A notice lacking a statutory element is kept "
        "and answered with its defects; it is not acted on.",
    )
    def post(self, request: Request) -> Response:
        return self.public_submit(
            request,
            lambda data: services.dmca_notice_submit(
                data=data, attachments=request.FILES.getlist("attachments")
            ),
            lambda notice: {
                "reference": notice.case.reference,
                "valid": notice.valid,
                "defects": services.defect_words(notice.defects, NOTICE_ELEMENTS),
            },
        )


class CounterNoticeSubmitApi(PublicApi):
    body_serializer = CounterNoticeInputSerializer

    @extend_schema(
        operation_id="public_dmca_counter_notice",
        request=CounterNoticeInputSerializer,
        responses={201: CounterNoticeResultSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        def submit(data: dict) -> CounterNotice:
            values = dict(data)
            return counter_notices.dmca_counter_notice_submit(
                reference=values.pop("reference"), data=values
            )

        def answer(counter: CounterNotice) -> dict:
            body = {
                "reference": counter.notice.case.reference,
                "valid": not counter.defects,
                "defects": services.defect_words(counter.defects, COUNTER_NOTICE_ELEMENTS),
                "putback_earliest": counter.putback_earliest,
                "putback_latest": counter.putback_latest,
            }
            return CounterNoticeResultSerializer(body).data

        return self.public_submit(request, submit, answer)


class CourtActionApi(APIView):
    class CourtActionInputSerializer(serializers.Serializer):
        counter = serializers.IntegerField()
        note = serializers.CharField()

    @extend_schema(
        operation_id="cases_dmca_court_action",
        request=CourtActionInputSerializer,
        responses={200: None, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        data = self.CourtActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get_visible(request.user, reference)
        counter = CounterNotice.objects.filter(
            pk=data.validated_data["counter"], notice__case=case
        ).first()
        if counter is None:
            raise InvalidInput("No such counter-notice on this case.")
        counter_notices.dmca_court_action_record(
            counter=counter, actor=signed_in(request), note=data.validated_data["note"]
        )
        return detail_response(request, case)


class SuppressApi(APIView):
    class SuppressInputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="cases_child_protection_suppress",
        request=SuppressInputSerializer,
        responses={200: None, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.SuppressInputSerializer,
            child_protection.child_protection_suppress,
        )


class NcmecApi(APIView):
    class NcmecInputSerializer(serializers.Serializer):
        report_id = serializers.CharField(max_length=64)
        reported_at = serializers.DateTimeField()
        preserved = serializers.CharField()
        preservation_ends = serializers.DateField(required=False, allow_null=True)
        law_enforcement = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_ncmec_report",
        request=NcmecInputSerializer,
        responses={201: None, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.NcmecInputSerializer,
            child_protection.ncmec_report_record,
            status=201,
        )
