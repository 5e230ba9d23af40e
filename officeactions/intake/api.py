"""The public request API: no login, rate-limited per client, nothing confidential out."""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant

from officeactions.intake import services
from officeactions.intake.views import public_status
from officeactions.web import ERRORS, PublicApi


class PublicStatusSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    received_at = serializers.DateTimeField()
    messages = serializers.ListField(child=serializers.CharField())


class SubmittedSerializer(PublicStatusSerializer):
    status_url = serializers.CharField(allow_null=True)
    duplicate = serializers.BooleanField()


class RequestContentSerializer(serializers.Serializer):
    action_requested = serializers.CharField(required=False, allow_blank=True, max_length=64)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    community_evidence = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, max_length=25
    )
    no_community_process_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=20_000
    )
    supporting_information = serializers.CharField(
        required=False, allow_blank=True, max_length=20_000
    )


class RequestSubmitSerializer(RequestContentSerializer):
    email = serializers.CharField(max_length=254)
    ncmec_report = serializers.CharField(required=False, allow_blank=True, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    wiki_username = serializers.CharField(required=False, allow_blank=True, max_length=255)


def plain_data(data: Any) -> Any:
    """A form-encoded body as a plain dict, lists kept where a field is a list."""
    if isinstance(data, QueryDict):
        plain: dict[str, Any] = data.dict()
        plain["community_evidence"] = data.getlist("community_evidence")
        return plain
    return data


def submitted_data(request: Request) -> Any:
    """The body of a submission. Django refuses one over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` on its
    length, before reading it (413). A UTF-8 JSON body, as nearly every client sends, is read
    here in one call: after validation, DRF's parser machinery was the largest part of the
    busiest public endpoint's own work in a profile (docs/benchmarks.md). Anything else goes
    through DRF's parsers as before."""
    body = request.body
    media_type, _, params = request.content_type.partition(";")
    charset = params.partition("charset=")[2].strip().strip('"').lower()
    if media_type.strip().lower() != "application/json" or charset not in ("", "utf-8", "utf8"):
        return plain_data(request.data)
    if not body:
        return {}
    try:
        return json.loads(body, parse_constant=strict_constant)
    except ValueError as exc:  # also bytes that are not UTF-8
        raise ParseError(f"JSON parse error - {exc}") from None


class RequestSubmitApi(PublicApi):
    def body(self, request: Request) -> Any:
        # The service checks every field (it serves the HTML form too); the serializer in the
        # schema below documents the body. Checking twice would cost this busiest public
        # endpoint a fifth.
        return submitted_data(request)

    @extend_schema(
        operation_id="public_request_submit",
        request=RequestSubmitSerializer,
        responses={201: SubmittedSerializer, 200: SubmittedSerializer, **ERRORS},
        description="File a request. 201 with the private status link; 200 when the same "
        "request from the same person arrived minutes ago (it is linked, not doubled).",
    )
    def post(self, request: Request) -> Response:
        return self.public_submit(
            request,
            lambda data: services.request_submit(data=data),
            lambda submission: {
                **public_status(submission.request, fresh=not submission.duplicate),
                "status_url": submission.status_url,
                "duplicate": submission.duplicate,
            },
            status=lambda submission: 200 if submission.duplicate else 201,
        )


class RequestStatusApi(PublicApi):
    body_serializer = RequestContentSerializer

    @extend_schema(
        operation_id="public_request_status", responses={200: PublicStatusSerializer, **ERRORS}
    )
    def get(self, request: Request, token: str) -> Response:
        return Response(public_status(services.request_by_token(token)))

    @extend_schema(
        operation_id="public_request_complete",
        request=RequestContentSerializer,
        responses={200: PublicStatusSerializer, **ERRORS},
        description="Add what an incomplete request lacks.",
    )
    def post(self, request: Request, token: str) -> Response:
        return self.public_submit(
            request,
            lambda data: services.request_complete(token=token, data=data),
            lambda submission: public_status(submission.request),
            status=200,
        )
