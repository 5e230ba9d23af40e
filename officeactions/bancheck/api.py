"""``GET /api/check``: the ban check for wikis, login hooks and event organisers.

Thin and lean on purpose: it is called on every login and edit of a wiki, so the query is read
by hand (no serializer) and the token's user is remembered for a few seconds (no database
query per request); services.check does the work.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from officeactions.accounts.authentication import (
    ApiTokenAuthentication,
    VerifiedSessionAuthentication,
)
from officeactions.accounts.schema import ApiTokenScheme
from officeactions.bancheck.services import check as ban_check
from officeactions.bancheck.services import may_check_bans, organiser_check
from officeactions.errors import InvalidInput
from officeactions.web import ErrorSerializer, JsonOnly

_tokens: dict[str, tuple[float, Any]] = {}
_MAX_TOKENS = 10_000


class RememberedTokenAuthentication(ApiTokenAuthentication):
    """The personal API token, with the user behind a token kept for
    OFFICEACTIONS_BANCHECK_TOKEN_SECONDS: a revoked token or permission stops working within
    that time."""

    def user_for(self, secret: str) -> tuple[Any, Any] | None:
        now = time.monotonic()
        hit = _tokens.get(secret)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = super().user_for(secret)
        if found is None:
            return None
        if len(_tokens) >= _MAX_TOKENS:
            _tokens.clear()
        _tokens[secret] = (now + settings.OFFICEACTIONS_BANCHECK_TOKEN_SECONDS, found)
        return found


class RememberedTokenScheme(ApiTokenScheme):
    """In the schema: the same "Authorization: Token …" header, as a scheme of its own name
    (two classes may not share one)."""

    target_class = "officeactions.bancheck.api.RememberedTokenAuthentication"
    name = "checkTokenAuth"
    match_subclasses = False
    priority = 0


# Whether may_check_bans said yes, kept on the user object (a token's user is remembered).
_MAY_CHECK_BANS = "_may_check_bans"


class MayCheckBans(BasePermission):
    message = "Asking the ban check needs office staff, an event organiser or a wiki's token."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        cached: bool | None = getattr(user, _MAY_CHECK_BANS, None)
        if cached is None:
            cached = may_check_bans(user)
            setattr(user, _MAY_CHECK_BANS, cached)
        return cached


class MatchSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="global_ban, range_block (event_ban with event)")
    action_name = serializers.CharField()
    reference = serializers.CharField(help_text="The case's public reference")
    block = serializers.ChoiceField(["account", "address"], help_text="What matched")
    target = serializers.CharField(
        allow_null=True, help_text="The username or range that matched, where it is public"
    )
    expires_at = serializers.DateTimeField(allow_null=True)


class BanCheckOutSerializer(serializers.Serializer):
    banned = serializers.BooleanField()
    user = serializers.CharField(allow_null=True, help_text="Normalised as MediaWiki does")
    ip = serializers.CharField(allow_null=True, help_text="Normalised; IPv4-mapped as IPv4")
    wiki = serializers.CharField(allow_null=True)
    event = serializers.IntegerField(allow_null=True)
    matches = MatchSerializer(many=True)
    index_version = serializers.IntegerField()


def _param(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise InvalidInput(f"Give '{name}' once, not {len(values)} times.")
    return values[0] if values and values[0] != "" else None


class BanCheckApi(APIView):
    authentication_classes = [RememberedTokenAuthentication, VerifiedSessionAuthentication]
    permission_classes = [MayCheckBans]
    renderer_classes = [JSONRenderer]
    parser_classes: list = []
    throttle_classes: list = []
    content_negotiation_class = JsonOnly

    @extend_schema(
        operation_id="ban_check",
        summary="Is this account or IP address banned?",
        description=(
            "Whether a global ban, range block or account block in effect applies to the "
            "account (user) and/or IP address (ip); with event, also an event ban. Each match "
            "carries the action's public reference; nothing confidential is ever named. "
            "Follows changes within about a second. 400 for a malformed user or ip, 404 for "
            "an unknown wiki or event, 401 without a token."
        ),
        parameters=[
            OpenApiParameter("user", str, description="A username, as typed"),
            OpenApiParameter("ip", str, description="An IPv4 or IPv6 address"),
            OpenApiParameter("wiki", str, description="The asking wiki's database name"),
            OpenApiParameter("event", int, description="An event id (event bans)"),
        ],
        responses={200: BanCheckOutSerializer, **{c: ErrorSerializer for c in (400, 401, 404)}},
    )
    def get(self, request: Request) -> JsonResponse:
        event_asked = _param(request, "event")
        event: int | None = None
        if event_asked is not None:
            if not event_asked.isdigit() or len(event_asked) > 18:
                raise InvalidInput(
                    f"'event' is an event id (a positive number), not {event_asked!r}."
                )
            event = int(event_asked)
        user, ip = _param(request, "user"), _param(request, "ip")
        organiser_check(request.user, user_asked=user, ip=ip, event=event)
        result = ban_check(user, ip, wiki=_param(request, "wiki"), event=event)
        # A plain JsonResponse: the same JSON as DRF's renderer, without its per-call setup.
        return JsonResponse(result.as_dict())
