"""JSON API for event bans: the scope on a case and its photograph (case staff), events and
their organisers (Trust & Safety staff), and the designated organiser's list and check-in.
One view per operation, over the same services as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from officeactions.accounts.people import signed_in
from officeactions.accounts.roles import user_roles
from officeactions.cases.api import ERRORS
from officeactions.cases.selectors import case_get_visible
from officeactions.errors import InvalidInput, NotFound
from officeactions.events import lists, organisers, services
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.policy import Role
from officeactions.policy.events import GlobalBanLink


class ScopeSerializer(serializers.Serializer):
    listed_name = serializers.CharField(max_length=255)
    other_names = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, default=list
    )
    country = serializers.CharField(max_length=2, required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    projects = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    until = serializers.DateField(required=False, allow_null=True, default=None)
    irrevocable = serializers.BooleanField(required=False, default=False)
    global_ban = serializers.ChoiceField(
        choices=[g.value for g in GlobalBanLink], required=False, default=GlobalBanLink.NONE
    )
    global_ban_reference = serializers.CharField(
        max_length=16, required=False, default="", allow_blank=True
    )
    identifying_details = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )


class EventBanOutSerializer(serializers.Serializer):
    case = serializers.CharField()
    state = serializers.CharField()
    recorded = serializers.BooleanField()
    scope = serializers.DictField(allow_null=True)
    appeal_open = serializers.BooleanField()
    appeal_refusal = serializers.CharField(allow_null=True)
    appeals_address = serializers.CharField(allow_null=True)


def _event_ban_body(case, user) -> dict:
    case = case_get_visible(user, case.reference)
    scope = EventBanScope.objects.filter(case=case).select_related("global_ban_case").first()
    refusal = services.event_ban_appeal_refusal(case)
    body = None
    if scope:
        body = {
            "description": scope.description,
            "listed_name": scope.listed_name,
            "other_names": scope.other_names,
            "country": scope.country,
            "city": scope.city,
            "projects": scope.projects,
            "starts_on": scope.starts_on.isoformat(),
            "until": scope.until.isoformat() if scope.until else None,
            "irrevocable": scope.irrevocable,
            "global_ban": scope.global_ban,
            "global_ban_case": scope.global_ban_case.reference if scope.global_ban_case else None,
            "identifying_details": scope.identifying_details,
            "has_photo": bool(scope.photo),
        }
    return {
        "case": case.reference,
        "state": case.state,
        "recorded": scope is not None,
        "scope": body,
        "appeal_open": refusal is None,
        "appeal_refusal": refusal,
        "appeals_address": services.appeals_address() if refusal is None else None,
    }


def _event_ban_case(request: Request, reference: str):
    case = case_get_visible(request.user, reference)
    if case.kind != services.EVENT_BAN:
        raise NotFound(f"Case {reference} is not an event ban.")
    return case


def _event_ban_action(request: Request, reference: str, serializer_class, service) -> Response:
    """Every step on an event ban: check the body, find the event ban this person may see,
    call the service, answer with the event ban as it is now."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    case = _event_ban_case(request, reference)
    service(case=case, actor=signed_in(request), **data.validated_data)
    return Response(_event_ban_body(case, request.user))


class EventBanApi(APIView):
    @extend_schema(operation_id="event_ban_get", responses={200: EventBanOutSerializer, **ERRORS})
    def get(self, request: Request, reference: str) -> Response:
        return Response(_event_ban_body(_event_ban_case(request, reference), request.user))

    @extend_schema(
        operation_id="event_ban_scope_record",
        request=ScopeSerializer,
        responses={200: EventBanOutSerializer, **ERRORS},
        description="Record, or before review change, the scope of an event ban.",
    )
    def put(self, request: Request, reference: str) -> Response:
        return _event_ban_action(
            request, reference, ScopeSerializer, services.event_ban_scope_record
        )


class EventBanPhotoApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class PhotoSerializer(serializers.Serializer):
        photo = serializers.FileField()

    @extend_schema(
        operation_id="event_ban_photo_set",
        request={"multipart/form-data": PhotoSerializer},
        responses={200: EventBanOutSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        data = self.PhotoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = _event_ban_case(request, reference)
        photo = data.validated_data["photo"]
        services.event_ban_photo_set(case=case, actor=signed_in(request), photo=photo)
        return Response(_event_ban_body(case, request.user))


class EventBanIssueApi(APIView):
    class IssueSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="event_ban_issue",
        request=IssueSerializer,
        responses={200: EventBanOutSerializer, **ERRORS},
        description="Put an approved event ban in effect.",
    )
    def post(self, request: Request, reference: str) -> Response:
        return _event_ban_action(request, reference, self.IssueSerializer, services.event_ban_issue)


class EventBanGlobalBanApi(APIView):
    class GlobalBanSerializer(serializers.Serializer):
        global_ban_reference = serializers.CharField(max_length=16)

    @extend_schema(
        operation_id="event_ban_led_to_global_ban",
        request=GlobalBanSerializer,
        responses={200: EventBanOutSerializer, **ERRORS},
        description="Record that the event ban led to a global ban (it can no longer be appealed).",
    )
    def post(self, request: Request, reference: str) -> Response:
        return _event_ban_action(
            request, reference, self.GlobalBanSerializer, services.event_ban_led_to_global_ban
        )


# -- events and organisers ---------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=120)
    country = serializers.CharField(max_length=2)
    projects = serializers.ListField(child=serializers.CharField(max_length=100))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class DesignationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organiser = serializers.CharField(source="organiser.username")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()


class CoveringSerializer(serializers.Serializer):
    name = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())
    basis = serializers.CharField()
    until = serializers.DateField(allow_null=True)
    case = serializers.CharField(source="case_reference")


class EventDetailSerializer(EventSerializer):
    designations = DesignationSerializer(many=True)
    covered_by = CoveringSerializer(many=True)


def _event_detail(event: Event) -> dict:
    return EventDetailSerializer(
        {
            **EventSerializer(event).data,
            "designations": event.designations.select_related("organiser"),
            "covered_by": lists.event_bans_covering(event),
        }
    ).data


class EventListApi(APIView):
    @extend_schema(
        operation_id="events_list", responses={200: EventSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request) -> Response:
        if Role.TS_STAFF not in user_roles(request.user):
            return Response([])
        return Response(EventSerializer(Event.objects.all()[:500], many=True).data)

    @extend_schema(
        operation_id="events_create",
        request=EventSerializer,
        responses={201: EventDetailSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = EventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = organisers.event_create(actor=signed_in(request), **data.validated_data)
        return Response(_event_detail(event), status=201)


class EventDetailApi(APIView):
    @extend_schema(operation_id="events_get", responses={200: EventDetailSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_event_detail(organisers.event_get(signed_in(request), pk)))


class DesignatedSerializer(DesignationSerializer):
    link = serializers.CharField()


class EventDesignateApi(APIView):
    class DesignateSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        valid_from = serializers.DateField(required=False, allow_null=True, default=None)
        valid_until = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="events_designate_organiser",
        request=DesignateSerializer,
        responses={201: DesignatedSerializer, **ERRORS},
        description="Designate an organiser for the event and a period; answers with the "
        "organiser's private link (also emailed to them).",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.DesignateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = organisers.event_get(signed_in(request), pk)
        username = data.validated_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise InvalidInput(f"No user named {username!r}.")
        designation = organisers.organiser_designate(
            event=event,
            actor=signed_in(request),
            organiser=user,
            valid_from=data.validated_data["valid_from"],
            valid_until=data.validated_data["valid_until"],
        )
        body = {**DesignationSerializer(designation).data}
        body["link"] = organisers.organiser_link(designation)
        return Response(body, status=201)


class EventRevokeApi(APIView):
    class RevokeSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="events_revoke_organiser",
        request=RevokeSerializer,
        responses={200: DesignationSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, designation_pk: int) -> Response:
        data = self.RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = organisers.event_get(signed_in(request), pk)
        designation = OrganiserDesignation.objects.filter(pk=designation_pk, event=event).first()
        if designation is None:
            raise NotFound("No such designation.")
        designation = organisers.organiser_revoke(
            designation=designation, actor=signed_in(request), reason=data.validated_data["reason"]
        )
        return Response(DesignationSerializer(designation).data)


# -- the designated organiser -----------------------------------------------------------------


class ListEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())
    basis = serializers.CharField()
    until = serializers.DateField(allow_null=True)
    identifying_details = serializers.CharField()
    has_photo = serializers.BooleanField()
    photo_url = serializers.CharField(allow_null=True)


def _entry(entry: lists.ListEntry, token: str) -> dict:
    from django.urls import reverse

    photo = reverse("events:list-photo", args=[token, entry.scope_id]) if entry.has_photo else None
    return {**entry.as_dict(), "photo_url": photo}


class OrganiserListSerializer(serializers.Serializer):
    event = EventSerializer()
    access_until = serializers.DateField()
    entries = ListEntrySerializer(many=True)


class OrganiserApi(APIView):
    # Signed in or not, anyone but the designated organiser gets the same 404, never a 401
    # that would confirm the link exists.
    permission_classes = [AllowAny]


class OrganiserListApi(OrganiserApi):
    @extend_schema(
        operation_id="event_list_get",
        responses={200: OrganiserListSerializer, **ERRORS},
        description="The event ban list, for the designated organiser only (404 for anyone "
        "else, or after the access period or a revocation). Every call is audited.",
    )
    def get(self, request: Request, token: str) -> Response:
        ban_list = lists.event_list_open(token=token, user=request.user)
        return Response(
            {
                "event": EventSerializer(ban_list.event).data,
                "access_until": ban_list.designation.valid_until.isoformat(),
                "entries": [_entry(e, token) for e in ban_list.entries],
            }
        )


class CheckInOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    banned = serializers.BooleanField()
    entry = ListEntrySerializer(allow_null=True)


class OrganiserCheckInApi(OrganiserApi):
    class CheckInSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=255)

    @extend_schema(
        operation_id="event_list_check_in",
        request=CheckInSerializer,
        responses={200: CheckInOutSerializer, **ERRORS},
        description="Is this attendee banned from this event? Audited.",
    )
    def post(self, request: Request, token: str) -> Response:
        lists.designation_for(token, request.user)  # 404 before looking at the input
        data = self.CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = lists.event_list_check_in(
            token=token, user=request.user, name=data.validated_data["name"]
        )
        return Response(
            {
                "name": result.name,
                "banned": result.banned,
                "entry": _entry(result.entry, token) if result.entry else None,
            }
        )
