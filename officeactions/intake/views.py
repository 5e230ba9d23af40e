"""Public pages: file a request, follow it through a private link, confirm an email address."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from officeactions.errors import ApplicationError, NotFound
from officeactions.intake import services
from officeactions.intake.forms import CompleteForm, RequestForm
from officeactions.intake.throttle import PublicThrottle
from officeactions.policy.workflow import PUBLIC_STATUS, CaseState


def _throttled(request: HttpRequest) -> HttpResponse | None:
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


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["community_evidence"] = data.get("community_evidence", "").split()
    return data


def request_new(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if limited := _throttled(request):
            return limited
        if form.is_valid():
            try:
                submission = services.request_submit(data=_form_data(form))
            except ApplicationError as exc:
                error, status = exc.message, exc.status
            else:
                if submission.duplicate:
                    return render(
                        request,
                        "intake/duplicate.html",
                        {"reference": submission.request.reference},
                    )
                return redirect("intake:status", token=submission.token)
        else:
            status = 400
    return render(request, "intake/new.html", {"form": form, "error": error}, status=status)


def public_status(req, fresh: bool = False) -> dict:
    """What the requester may see of their request: state in plain words and messages.

    ``fresh``: the request was stored just now, so there are no messages to look up yet.
    """
    incomplete = req.status == req.Status.INCOMPLETE
    if incomplete:
        text = "Incomplete: we need more information before we can consider it."
    elif req.case_id is None:  # stored, not yet filed by the worker
        text = PUBLIC_STATUS[CaseState.RECEIVED]
    else:
        text = PUBLIC_STATUS[CaseState(req.case.state)]
    return {
        "reference": req.reference,
        "status": text,
        "complete": not incomplete,
        "missing": services.missing_words(services.request_missing(req)) if incomplete else [],
        "received_at": req.received_at,
        "messages": [] if fresh else [m.text for m in req.messages.all()],
    }


@never_cache
def request_status(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and (limited := _throttled(request)):
        return limited
    try:
        req = services.request_by_token(token)
    except NotFound:
        return render(
            request,
            "intake/error.html",
            {"message": "No request has this status link."},
            status=404,
        )
    form = CompleteForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            services.request_complete(token=token, data=_form_data(form))
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("intake:status", token=token)
    response = render(
        request,
        "intake/status.html",
        {"status": public_status(req), "form": form, "error": error},
        status=status,
    )
    response["Referrer-Policy"] = "no-referrer"  # the link is the secret; don't leak it
    return response


def confirm_email(request: HttpRequest, signed: str) -> HttpResponse:
    try:
        services.requester_confirm_email(signed=signed)
    except ApplicationError as exc:
        return render(request, "intake/error.html", {"message": exc.message}, status=400)
    return render(request, "intake/confirmed.html")
