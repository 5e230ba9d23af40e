"""One error family for the whole product and one JSON shape for it: {"message", "extra"}."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler

from officeactions.policy import PolicyRefusal


class ApplicationError(Exception):
    status = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidInput(ApplicationError):
    status = 400


class NotPermitted(ApplicationError):
    status = 403


class TooLarge(ApplicationError):
    status = 413


class StepRefused(ApplicationError):
    """The step is not possible from the case's current state, or the policy refuses it."""

    status = 409


def refusal(exc: PolicyRefusal) -> StepRefused:
    return StepRefused(exc.message)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PolicyRefusal):
        exc = refusal(exc)
    elif isinstance(exc, RequestDataTooBig):  # refused on its Content-Length, before reading
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        exc = TooLarge(f"The request is too large: at most {limit} KB.")
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf.ValidationError):
        response.data = {
            "message": "The request has invalid fields.",
            "extra": {"fields": exc.detail},
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"message": str(detail), "extra": {}}
    return response


class NotFound(ApplicationError):
    """Also what a person gets for a case they may not see, so its existence does not leak."""

    status = 404
