"""Public pages: file a request, follow it through a private link, confirm an email address."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from officeactions import web
from officeactions.errors import ApplicationError, NotFound
from officeactions.intake import services
from officeactions.intake.forms import CompleteForm, RequestForm
from officeactions.policy.workflow import PUBLIC_STATUS, CaseState


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["community_evidence"] = data.get("community_evidence", "").split()
    return data


def request_new(request: HttpRequest) -> HttpResponse:
    def done(submission: services.Submission) -> HttpResponse:
        if submission.duplicate:
            reference = submission.request.reference
            return render(request, "intake/duplicate.html", {"reference": reference})
        return redirect("intake:status", token=submission.token)

    return web.public_form(
        request,
        RequestForm(request.POST or None),
        "intake/new.html",
        submit=lambda form: services.request_submit(data=_form_data(form)),
        done=done,
    )


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
    # Throttled before the link is looked up: guessing links costs the same as using one.
    if request.method == "POST" and (limited := web.throttled(request)):
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
    response = web.public_form(
        request,
        CompleteForm(request.POST or None),
        "intake/status.html",
        submit=lambda form: services.request_complete(token=token, data=_form_data(form)),
        done=lambda _: redirect("intake:status", token=token),
        context={"status": public_status(req)},
        invalid_status=200,
        throttle=False,
    )
    if response.status_code != 302:  # the page itself, not the redirect after completing
        response["Referrer-Policy"] = "no-referrer"  # the link is the secret; don't leak it
    return response


def confirm_email(request: HttpRequest, signed: str) -> HttpResponse:
    try:
        services.requester_confirm_email(signed=signed)
    except ApplicationError as exc:
        return render(request, "intake/error.html", {"message": exc.message}, status=400)
    return render(request, "intake/confirmed.html")
