"""View and API plumbing every app shares: the public rate limit, the one error shape, and the
flow of a public form (throttle, check, hand to the service, answer) for pages and API alike."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from typing import Any

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from officeactions.errors import ApplicationError


def token_hash(token: str) -> str:
    """What is stored of a private link's secret: the database alone does not give it away."""
    return hashlib.sha256(token.encode()).hexdigest()


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    extra = serializers.DictField()


ERRORS = {code: ErrorSerializer for code in (400, 403, 404, 409)}


class JsonOnly(DefaultContentNegotiation):
    """The answer is JSON whatever the client accepts: no negotiation on the hot path (reading
    the Accept header costs the busiest endpoints more than rendering). Bodies are still read
    by their content type."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))  # DRF passes the view's renderers, a list
        return first, first.media_type


class PublicThrottle(SimpleRateThrottle):
    """Per client address, for every public endpoint (form pages and API alike).

    The rate is DRF's ("20/minute"), and a client may use all of it at once, as with DRF's own
    throttle; what differs is the bookkeeping. DRF keeps the time of every request in the window
    and reads and writes that whole list on each request, so a check costs more the higher the
    limit. This keeps one number per client, the time at which its next request would be on
    schedule (the generic cell rate algorithm), so every check costs the same.
    """

    scope = "public"
    # Set from the rate by SimpleRateThrottle.__init__; the stubs leave them out.
    num_requests: int
    duration: int

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now = self.timer()
        interval = self.duration / self.num_requests  # one request's share of the window
        due = max(self.cache.get(self.key, now), now)
        ahead = due + interval - now  # how far ahead of its schedule this request would put it
        if ahead > self.duration:
            self._wait = ahead - self.duration
            return False
        self.cache.set(self.key, due + interval, ahead)
        return True

    def wait(self) -> float | None:
        """Seconds until the client may send one more request."""
        return getattr(self, "_wait", None)


def throttled(request: HttpRequest) -> HttpResponse | None:
    """The page a client over the public rate limit gets (429), or None when it may go on."""
    throttle = PublicThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = math.ceil(throttle.wait() or 60)
    response = render(
        request, "intake/error.html", {"message": f"Too many requests; try again in {wait} s."}
    )
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def public_form[F: Form, T](
    request: HttpRequest,
    form: F,
    template: str,
    *,
    submit: Callable[[F], T],
    done: Callable[[T], HttpResponse],
    context: dict[str, Any] | None = None,
    invalid_status: int = 400,
    throttle: bool = True,
) -> HttpResponse:
    """A public form page. A POST is throttled, then checked by the form and by the service
    (``submit``), whose result ``done`` answers; a refusal shows the form again with the
    service's message and status. ``throttle`` False: the caller throttled already."""
    error, status = "", 200
    if request.method == "POST":
        if throttle and (limited := throttled(request)):
            return limited
        if form.is_valid():
            try:
                result = submit(form)
            except ApplicationError as exc:
                error, status = exc.message, exc.status
            else:
                return done(result)
        else:
            status = invalid_status
    page = {**(context or {}), "form": form, "error": error}
    return render(request, template, page, status=status)


class PublicApi(APIView):
    """A public endpoint: no login, rate-limited per client, JSON out."""

    authentication_classes: list = []  # no session, so no CSRF; nobody is logged in here
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]
    # JSON whatever the client accepts: the public endpoints take the busiest traffic.
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    # What checks a submitted body; None: the service checks every field itself.
    body_serializer: type[serializers.Serializer] | None = None

    def body(self, request: Request) -> Any:
        """The submitted body, checked by ``body_serializer`` (400 when it does not pass)."""
        if self.body_serializer is None:
            return request.data
        data = self.body_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def public_submit[T](
        self,
        request: Request,
        submit: Callable[[Any], T],
        answer: Callable[[T], Any],
        status: int | Callable[[T], int] = 201,
    ) -> Response:
        """A public form's API twin: the checked body to the service, its result as the answer.
        The service's refusals are answered in the one error shape (``officeactions.errors``)."""
        result = submit(self.body(request))
        return Response(answer(result), status=status(result) if callable(status) else status)
