"""Who is asking: the signed-in person behind a request, as the user model."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def signed_in(request: HttpRequest | Request) -> User:
    """The signed-in person who makes this request.

    For views that only signed-in people reach (login_required, the API's IsAuthenticated, a
    check of is_authenticated or of a role first): nobody else gets here, and anyone who did
    would be refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
