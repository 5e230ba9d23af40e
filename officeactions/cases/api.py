"""JSON API for staff: one view per operation, thin, over the same services as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnList
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.cases import selectors, services, subjects
from officeactions.cases.configured import catalog
from officeactions.cases.extensions import registry
from officeactions.cases.models import Case
from officeactions.errors import InvalidInput
from officeactions.policy.clocks import DelayReason
from officeactions.policy.workflow import TRANSITIONS, CaseState
from officeactions.web import ERRORS

PLAIN_STEPS = [t.name for t in TRANSITIONS.values() if not t.dedicated_step]


def many_data(serializer: serializers.BaseSerializer) -> ReturnList:
    """The data of a serializer made with many=True: DRF makes a ListSerializer, whose data is a
    list, where the stubs see the serializer class asked for, whose data is a dict."""
    return serializer.data


class AccountSerializer(serializers.Serializer):
    wiki = serializers.CharField(max_length=64)
    username = serializers.CharField(max_length=255)


class SubjectSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=200)
    accounts = AccountSerializer(many=True, required=False, default=list)
    addresses = serializers.ListField(
        child=serializers.CharField(max_length=49), required=False, default=list
    )


class QuorumSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    approvals = serializers.IntegerField()
    needed = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField())


class ReviewOutSerializer(serializers.Serializer):
    reviewer = serializers.CharField(source="reviewer.username")
    decision = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProposalOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    proposer = serializers.CharField(source="proposer.username")
    rationale = serializers.CharField()
    terms = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    reviews = ReviewOutSerializer(many=True)


class TimelineEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    at = serializers.DateTimeField(source="created_at")
    reason = serializers.CharField()
    from_state = serializers.CharField(source="data.from", default="")
    to_state = serializers.CharField(source="data.to", default="")


class HistoryEntrySerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(
        source="conduct_warning.issued_at", default=None, allow_null=True
    )


class CaseSummarySerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    team = serializers.CharField()
    state = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    urgency = serializers.SerializerMethodField()

    def get_urgency(self, case: Case) -> str:
        return case.clock(self.context.get("now")).urgency.value


class DelaySerializer(serializers.Serializer):
    reason = serializers.CharField()
    note = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    recorded_at = serializers.DateTimeField()


class QueueItemSerializer(CaseSummarySerializer):
    delays = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_delays(self, case: Case) -> list[str]:
        return [d.reason for d in case.delays.all()]


class CaseDetailSerializer(CaseSummarySerializer):
    kind_name = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    summary = serializers.CharField()
    confidential = serializers.SerializerMethodField()
    enforces = serializers.CharField(source="enforces.reference", default=None, allow_null=True)
    subject = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField()
    review_rule = serializers.SerializerMethodField()
    proposal = serializers.SerializerMethodField()
    quorum = serializers.SerializerMethodField()
    available_steps = serializers.SerializerMethodField()
    delays = serializers.SerializerMethodField()
    subject_id = serializers.IntegerField(allow_null=True)
    warning_history = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # The fields other apps add (registered at start-up), enforcement's ledger among them.
        fields = super().get_fields()
        for extra in registry.api_fields:
            fields[extra.name] = extra.make()
        return fields

    def get_kind_name(self, case: Case) -> str:
        return case.action_kind.name

    def get_state_label(self, case: Case) -> str:
        return case.case_state.label

    def get_confidential(self, case: Case) -> bool:
        return case.action_kind.is_confidential

    @extend_schema_field(SubjectSerializer(allow_null=True))
    def get_subject(self, case: Case) -> dict | None:
        if case.subject is None:
            return None
        return {
            "display_name": case.subject.display_name,
            "accounts": [
                {"wiki": a.wiki, "username": a.username} for a in case.subject.accounts.all()
            ],
            "addresses": [a.address for a in case.subject.addresses.all()],
        }

    def get_assignees(self, case: Case) -> list[str]:
        return list(case.assignees.order_by("username").values_list("username", flat=True))

    def get_review_rule(self, case: Case) -> str:
        return selectors.review_rule_for(case).describe()

    def _proposal(self, case: Case):
        if not hasattr(self, "_proposal_cache"):
            self._proposal_cache = selectors.pending_proposal(case) or case.proposals.first()
        return self._proposal_cache

    @extend_schema_field(ProposalOutSerializer(allow_null=True))
    def get_proposal(self, case: Case) -> dict | None:
        proposal = self._proposal(case)
        return ProposalOutSerializer(proposal).data if proposal else None

    @extend_schema_field(QuorumSerializer(allow_null=True))
    def get_quorum(self, case: Case) -> dict | None:
        proposal = self._proposal(case)
        if proposal is None:
            return None
        q = selectors.proposal_quorum(case, proposal)
        return {"met": q.met, "approvals": q.approvals, "needed": q.needed, "missing": q.missing}

    def get_available_steps(self, case: Case) -> list[str]:
        return [t.name for t in selectors.available_transitions(case, self.context["user"])]

    @extend_schema_field(DelaySerializer(many=True))
    def get_delays(self, case: Case) -> ReturnList:
        return many_data(DelaySerializer(case.delays.select_related("recorded_by"), many=True))

    @extend_schema_field(HistoryEntrySerializer(many=True))
    def get_warning_history(self, case: Case) -> ReturnList:
        return many_data(
            HistoryEntrySerializer(selectors.warning_history(case, self.context["user"]), many=True)
        )

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, case: Case) -> ReturnList:
        return many_data(TimelineEntrySerializer(selectors.case_timeline(case), many=True))


def detail_response(request: Request, case: Case, status: int = 200) -> Response:
    case = selectors.case_get_visible(request.user, case.reference)
    return Response(CaseDetailSerializer(case, context={"user": request.user}).data, status=status)


def case_action(
    request: Request, reference: str, serializer_class, service, status: int = 200
) -> Response:
    """The shape of every action on a case: check the body, find the case this person may see
    (404 otherwise), call the service, answer with the case as it is now."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    case = selectors.case_get_visible(request.user, reference)
    service(case=case, actor=signed_in(request), **data.validated_data)
    return detail_response(request, case, status=status)


class CaseListApi(APIView):
    pagination_class = LimitOffsetPagination  # so the schema documents the paginated answer

    class CaseFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=[s.value for s in CaseState], required=False)
        kind = serializers.ChoiceField(choices=list(catalog().kinds), required=False)

    class CaseOpenInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(catalog().kinds))
        title = serializers.CharField(max_length=200)
        summary = serializers.CharField(required=False, default="", allow_blank=True)
        team = serializers.ChoiceField(choices=["trust_and_safety", "legal"], required=False)
        subject = SubjectSerializer(required=False)
        subject_id = serializers.IntegerField(
            required=False,
            help_text="A person already on record (from a case you can see), instead of subject.",
        )
        enforces = serializers.CharField(max_length=16, required=False)

        def validate(self, attrs: dict) -> dict:
            if attrs.get("subject") and attrs.get("subject_id"):
                raise serializers.ValidationError("Give subject or subject_id, not both.")
            return attrs

    @extend_schema(
        operation_id="cases_list",
        parameters=[
            OpenApiParameter("state", str, enum=[s.value for s in CaseState]),
            OpenApiParameter("kind", str, enum=list(catalog().kinds)),
        ],
        responses={200: CaseSummarySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.cases_visible_to(request.user).order_by("-received_at", "pk")
        cases = cases.filter(**filters.validated_data)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        data = CaseSummarySerializer(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="cases_open",
        request=CaseOpenInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.CaseOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        new = values.get("subject") or {}
        case = services.case_open_from_input(
            actor=signed_in(request),
            kind=values["kind"],
            title=values["title"],
            summary=values["summary"],
            team=values.get("team"),
            enforces=values.get("enforces") or "",
            subject_id=values.get("subject_id"),
            subject_name=new.get("display_name", ""),
            accounts=[(a["wiki"], a["username"]) for a in new.get("accounts", [])],
            addresses=new.get("addresses", []),
        )
        return detail_response(request, case, status=201)


class CaseDetailApi(APIView):
    @extend_schema(operation_id="cases_get", responses={200: CaseDetailSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        return detail_response(request, selectors.case_get_visible(request.user, reference))


class CaseStepApi(APIView):
    class CaseStepInputSerializer(serializers.Serializer):
        step = serializers.ChoiceField(choices=PLAIN_STEPS)
        reason = serializers.CharField(required=False, default="", allow_blank=True)
        message_to_requester = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=5000
        )
        seriousness = serializers.IntegerField(required=False, default=1, min_value=1, max_value=3)
        bad_faith = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="cases_step",
        request=CaseStepInputSerializer,
        responses={200: CaseDetailSerializer, **ERRORS},
        description="Take a plain workflow step: triage (accept, defer, decline_request, "
        "mark_abusive), start_investigation, submit_for_review, withdraw_proposal.",
    )
    def post(self, request: Request, reference: str) -> Response:
        data = self.CaseStepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get_visible(request.user, reference)
        values = dict(data.validated_data)
        case = services.case_transition(
            case=case, actor=signed_in(request), name=values.pop("step"), **values
        )
        return detail_response(request, case)


class CaseDelayApi(APIView):
    class CaseDelayInputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=[r.value for r in DelayReason])
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_record_delay",
        request=CaseDelayInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.CaseDelayInputSerializer,
            services.case_delay_record,
            status=201,
        )


class QueueApi(APIView):
    """Open cases by urgency; the first page is what staff work from."""

    pagination_class = LimitOffsetPagination  # so the schema documents the paginated answer

    @extend_schema(operation_id="queue_list", responses={200: QueueItemSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = LimitOffsetPagination()
        paginator.max_limit = 200
        page = paginator.paginate_queryset(selectors.case_queue(request.user), request, view=self)
        data = QueueItemSerializer(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)


class CaseProposalApi(APIView):
    class CaseProposalInputSerializer(serializers.Serializer):
        rationale = serializers.CharField()
        terms = serializers.DictField(
            child=serializers.CharField(allow_blank=True), required=False, default=dict
        )

    @extend_schema(
        operation_id="cases_propose",
        request=CaseProposalInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.CaseProposalInputSerializer,
            services.proposal_create,
            status=201,
        )


class CaseReviewApi(APIView):
    class CaseReviewInputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "decline"])
        comment = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_review",
        request=CaseReviewInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request, reference, self.CaseReviewInputSerializer, services.review_submit, status=201
        )


class CaseEvidenceApi(APIView):
    class CaseEvidenceInputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
        note = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="cases_add_evidence",
        request=CaseEvidenceInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request, reference, self.CaseEvidenceInputSerializer, services.evidence_add, status=201
        )


class CaseAssignApi(APIView):
    class CaseAssignInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)

    @extend_schema(
        operation_id="cases_assign",
        request=CaseAssignInputSerializer,
        responses={200: CaseDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        data = self.CaseAssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = selectors.case_get_visible(request.user, reference)
        username = data.validated_data["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise InvalidInput(f"No staff member named {username!r}.")
        services.case_assign(case=case, actor=signed_in(request), user=user)
        return detail_response(request, case)


class KindSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField()
    target = serializers.CharField()
    response_time = serializers.CharField(allow_null=True)
    review = serializers.CharField()
    appeal = serializers.CharField()
    visibility = serializers.CharField()
    primary = serializers.BooleanField()


class KindListApi(APIView):
    @extend_schema(operation_id="kinds_list", responses={200: KindSerializer(many=True)})
    def get(self, request: Request) -> Response:
        kinds = [
            {
                "code": k.code,
                "name": k.name,
                "team": k.team.value,
                "target": k.target.value,
                "response_time": k.response.describe() if k.response else None,
                "review": k.review.describe(),
                "appeal": k.appeal.route.value,
                "visibility": k.visibility.value,
                "primary": k.primary,
            }
            for k in catalog()
        ]
        return Response(KindSerializer(kinds, many=True).data)


def _record_subject(*, case, actor, display_name: str, accounts: list, addresses: list) -> None:
    subjects.case_subject_record(
        case=case,
        actor=actor,
        display_name=display_name,
        accounts=[(a["wiki"], a["username"]) for a in accounts],
        addresses=addresses,
    )


class CaseSubjectApi(APIView):
    @extend_schema(
        operation_id="cases_subject_record",
        request=SubjectSerializer,
        responses={200: CaseDetailSerializer, **ERRORS},
        description="Name the person the case is about (a request arrives without one): before "
        "an action is proposed, once.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(request, reference, SubjectSerializer, _record_subject)


class CaseFollowUpApi(APIView):
    class CaseFollowUpInputSerializer(serializers.Serializer):
        comment = serializers.CharField()

    @extend_schema(
        operation_id="cases_second_review",
        request=CaseFollowUpInputSerializer,
        responses={201: CaseDetailSerializer, **ERRORS},
        description="The second review after one person acted alone (child protection).",
    )
    def post(self, request: Request, reference: str) -> Response:
        return case_action(
            request,
            reference,
            self.CaseFollowUpInputSerializer,
            services.case_follow_up_review,
            status=201,
        )
