"""Appeals API: the public filing and status endpoints, and the staff/committee operations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.appeals import selectors, services
from officeactions.appeals.views import public_appeal_status
from officeactions.cases import selectors as case_selectors
from officeactions.policy.appeals import Appellant, Modification, Outcome
from officeactions.web import ERRORS, PublicApi


class PublicAppealStatusSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    filed_at = serializers.DateTimeField()
    decided = serializers.BooleanField()


class AppealFiledSerializer(PublicAppealStatusSerializer):
    status_url = serializers.CharField()


class AppealFileSerializer(serializers.Serializer):
    appellant = serializers.ChoiceField(choices=[a.value for a in Appellant])
    status_token = serializers.CharField(required=False, allow_blank=True, max_length=300)
    case_reference = serializers.CharField(required=False, allow_blank=True, max_length=32)
    wiki = serializers.CharField(required=False, allow_blank=True, max_length=64)
    wiki_username = serializers.CharField(required=False, allow_blank=True, max_length=255)
    grounds = serializers.CharField(max_length=20_000)
    contact_email = serializers.CharField(required=False, allow_blank=True, max_length=254)


class AppealFileApi(PublicApi):
    body_serializer = AppealFileSerializer

    @extend_schema(
        operation_id="public_appeal_file",
        request=AppealFileSerializer,
        responses={201: AppealFiledSerializer, **ERRORS},
        description="Appeal an office action or a decision not to take one. The requester "
        "identifies by their request's status token; the person under investigation by the "
        "case reference and a wiki account of theirs. 201 with a private status link.",
    )
    def post(self, request: Request) -> Response:
        return self.public_submit(
            request,
            lambda data: services.appeal_file(data=data),
            lambda filed: {**public_appeal_status(filed.appeal), "status_url": filed.status_url},
        )


class AppealStatusApi(PublicApi):
    @extend_schema(
        operation_id="public_appeal_status",
        responses={200: PublicAppealStatusSerializer, **ERRORS},
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(public_appeal_status(services.appeal_by_token(token)))


class AppealSerializer(serializers.Serializer):
    reference = serializers.CharField()
    case = serializers.CharField(source="case.reference")
    kind = serializers.CharField(source="case.kind")
    appellant = serializers.CharField()
    against = serializers.CharField()
    route = serializers.CharField()
    status = serializers.CharField()
    grounds = serializers.CharField()
    filed_at = serializers.DateTimeField()
    window_closes_at = serializers.DateTimeField()
    counsel_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.CharField()
    new_terms = serializers.CharField()
    lift_pending = serializers.BooleanField()


class AppealListApi(APIView):
    @extend_schema(operation_id="appeals_list", responses={200: AppealSerializer(many=True)})
    def get(self, request: Request) -> Response:
        appeals = selectors.appeal_queue(request.user)[:500]
        return Response(AppealSerializer(appeals, many=True).data)


class AppealDetailApi(APIView):
    @extend_schema(operation_id="appeals_detail", responses={200: AppealSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        appeal = selectors.appeal_get_visible(request.user, reference)
        return Response(AppealSerializer(appeal).data)


def _appeal_action(request: Request, reference: str, serializer_class, service) -> Response:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    appeal = selectors.appeal_get_visible(request.user, reference)
    appeal = service(appeal=appeal, actor=signed_in(request), **data.validated_data)
    return Response(AppealSerializer(selectors.appeal_get_visible(request.user, reference)).data)


class AppealCounselApi(APIView):
    class CounselInputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="appeals_counsel",
        request=CounselInputSerializer,
        responses={200: AppealSerializer, **ERRORS},
        description="Legal counsel approves the appeal for review, or refuses it (with a note).",
    )
    def post(self, request: Request, reference: str) -> Response:
        return _appeal_action(
            request, reference, self.CounselInputSerializer, services.appeal_counsel_decide
        )


class AppealDecideApi(APIView):
    class DecideInputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=[o.value for o in Outcome])
        reasons = serializers.CharField()
        new_terms = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="appeals_decide",
        request=DecideInputSerializer,
        responses={200: AppealSerializer, **ERRORS},
        description="The review's outcome with reasons; an overturn lifts the action.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return _appeal_action(
            request, reference, self.DecideInputSerializer, services.appeal_decide
        )


class AppealLiftApi(APIView):
    @extend_schema(
        operation_id="appeals_lift", request=None, responses={200: AppealSerializer, **ERRORS}
    )
    def post(self, request: Request, reference: str) -> Response:
        return _appeal_action(request, reference, serializers.Serializer, services.appeal_lift)


# Named in the schema as ModificationKindEnum (settings.SPECTACULAR_SETTINGS).
MODIFICATION_KINDS = [(m.value, m.label) for m in Modification]


class ModificationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MODIFICATION_KINDS)
    description = serializers.CharField(max_length=20_000)


class ModificationOutSerializer(ModificationSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()


class CaseModificationApi(APIView):
    @extend_schema(
        operation_id="cases_modification",
        request=ModificationSerializer,
        responses={201: ModificationOutSerializer, **ERRORS},
        description="Record an extension or a substantial, atypical modification of an action "
        "in effect (only the latter opens a new appeal window).",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = ModificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = case_selectors.case_get_visible(request.user, reference)
        record = services.modification_record(
            case=case, actor=signed_in(request), **data.validated_data
        )
        return Response(ModificationOutSerializer(record).data, status=201)
