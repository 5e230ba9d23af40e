"""Event ban pages: the event-ban section of a case, events and their organisers (staff), and
the designated organiser's list with its check-in lookup. Thin: services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from officeactions.accounts.people import signed_in
from officeactions.accounts.roles import user_roles
from officeactions.audit.models import AuditEntry
from officeactions.cases.views import act_on_case, visible_case
from officeactions.errors import ApplicationError, InvalidInput, NotFound
from officeactions.events import lists, organisers, services
from officeactions.events.forms import (
    CheckInForm,
    DesignateForm,
    EventForm,
    GlobalBanForm,
    IssueForm,
    PhotoForm,
    RevokeForm,
    ScopeForm,
)
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.policy import Role


def case_context(case, user=None) -> dict:
    """What the case page shows of an event ban: its scope, the appeal path, the forms."""
    scope = EventBanScope.objects.filter(case=case).first()
    initial = {}
    if scope:
        initial = {
            "listed_name": scope.listed_name,
            "other_names": "\n".join(scope.other_names),
            "country": scope.country,
            "city": scope.city,
            "projects": ", ".join(scope.projects),
            "starts_on": scope.starts_on,
            "until": scope.until,
            "irrevocable": scope.irrevocable,
            "global_ban": scope.global_ban,
            "global_ban_reference": scope.global_ban_case.reference
            if scope.global_ban_case
            else "",
            "identifying_details": scope.identifying_details,
        }
    elif case.subject_id:
        initial = {"listed_name": case.subject.display_name}
    return {
        "event_ban": scope,
        "event_ban_appeal_refusal": services.event_ban_appeal_refusal(case),
        "event_ban_appeals_address": services.appeals_address(),
        "event_ban_scope_editable": case.case_state in services.SCOPE_EDITABLE_STATES,
        "scope_form": ScopeForm(initial=initial),
    }


# -- on an event-ban case -----------------------------------------------------------------------


@login_required
@require_POST
def scope_record(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.event_ban_scope_record(case=case, actor=signed_in(request), **data)
        return "Event ban scope recorded."

    return act_on_case(request, reference, act, "scope_form", ScopeForm(request.POST))


@login_required
@require_POST
def photo_upload(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.event_ban_photo_set(case=case, actor=signed_in(request), photo=data["photo"])
        return "Photograph attached."

    return act_on_case(
        request, reference, act, "photo_form", PhotoForm(request.POST, request.FILES)
    )


@login_required
@require_POST
def led_to_global_ban(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.event_ban_led_to_global_ban(
            case=case, actor=signed_in(request), global_ban_reference=data["global_ban_reference"]
        )
        return "Recorded: this event ban led to a global ban; it is no longer open to appeal."

    return act_on_case(request, reference, act, "global_ban_form", GlobalBanForm(request.POST))


@login_required
@require_POST
def issue(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.event_ban_issue(case=case, actor=signed_in(request), reason=data["reason"])
        return "The event ban is in effect: it is on the lists of the events it covers."

    return act_on_case(request, reference, act, "issue_form", IssueForm(request.POST))


def _photo_response(scope: EventBanScope) -> FileResponse:
    response = FileResponse(scope.photo.open("rb"), content_type=scope.photo_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def case_photo(request: HttpRequest, reference: str) -> FileResponse:
    case = visible_case(request, reference)
    try:
        scope = services.event_ban_photo_open(case=case, actor=signed_in(request))
    except NotFound:
        raise Http404 from None
    return _photo_response(scope)


# -- events (Trust & Safety staff) ----------------------------------------------------------------


def _event(request: HttpRequest, pk: int) -> Event:
    try:
        return organisers.event_get(signed_in(request), pk)
    except NotFound:
        raise Http404 from None


@login_required
def event_index(request: HttpRequest) -> HttpResponse:
    if Role.TS_STAFF not in user_roles(request.user):
        if Role.EVENT_ORGANISER in user_roles(request.user):
            return redirect("events:mine")
        raise Http404
    form = EventForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                event = organisers.event_create(actor=signed_in(request), **form.cleaned_data)
            except ApplicationError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, f"Event {event.name} created.")
                return redirect("events:detail", pk=event.pk)
        else:
            status = 400
    return render(
        request,
        "events/index.html",
        {"events": Event.objects.all()[:200], "form": form, "error": error},
        status=status,
    )


def _event_page(request, event, *, error="", status=200, link="", forms=None) -> HttpResponse:
    context = {
        "event": event,
        "entries": lists.event_bans_covering(event),
        "designations": event.designations.select_related("organiser", "revoked_by"),
        # Who looked at the list and when: the audit entries about this event, newest first.
        "activity": AuditEntry.objects.filter(
            object_type="event", object_id=str(event.pk)
        ).order_by("-seq")[:100],
        "today": services.today(),
        "designate_form": DesignateForm(),
        "revoke_form": RevokeForm(),
        "error": error,
        "new_link": link,
        **(forms or {}),
    }
    return render(request, "events/detail.html", context, status=status)


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _event_page(request, _event(request, pk))


@login_required
@require_POST
def designate(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    form = DesignateForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _event_page(request, event, error=first, status=400, forms={"designate_form": form})
    data = form.cleaned_data
    try:
        user = get_user_model().objects.filter(username=data["username"].strip()).first()
        if user is None:
            raise InvalidInput(f"No user named {data['username'].strip()!r}.")
        designation = organisers.organiser_designate(
            event=event,
            actor=signed_in(request),
            organiser=user,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
    except ApplicationError as exc:
        return _event_page(
            request, event, error=exc.message, status=exc.status, forms={"designate_form": form}
        )
    messages.success(
        request,
        f"{user.get_username()} may read this event's ban list until "
        f"{designation.valid_until}; the link was emailed to them.",
    )
    return redirect("events:detail", pk=event.pk)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int, designation_pk: int) -> HttpResponse:
    event = _event(request, pk)
    designation = OrganiserDesignation.objects.filter(pk=designation_pk, event=event).first()
    if designation is None:
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _event_page(request, event, error="Revoking access needs a reason.", status=400)
    try:
        organisers.organiser_revoke(
            designation=designation, actor=signed_in(request), reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        return _event_page(request, event, error=exc.message, status=exc.status)
    messages.success(request, f"Access of {designation.organiser.get_username()} revoked.")
    return redirect("events:detail", pk=event.pk)


# -- the designated organiser -----------------------------------------------------------------


@login_required
def my_lists(request: HttpRequest) -> HttpResponse:
    """An organiser's own designations, with their private links while they are valid."""
    today = services.today()
    designations = OrganiserDesignation.objects.filter(organiser=signed_in(request))
    rows = [
        (d, organisers.organiser_link(d) if d.active_on(today) else "")
        for d in designations.select_related("event")
    ]
    if Role.EVENT_ORGANISER not in user_roles(request.user):
        rows = []
    return render(request, "events/mine.html", {"rows": rows, "today": today})


def _no_list(request: HttpRequest) -> HttpResponse:
    """The same 404 for every link that is not this person's to open now. Someone not signed
    in is offered the sign-in page, since the link works only for its organiser."""
    return render(request, "events/no_list.html", status=404)


def event_list(request: HttpRequest, token: str) -> HttpResponse:
    try:
        ban_list = lists.event_list_open(token=token, user=request.user)
    except NotFound:
        return _no_list(request)
    return render(
        request,
        "events/list.html",
        {"list": ban_list, "event": ban_list.event, "token": token, "form": CheckInForm()},
    )


@require_POST
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    form = CheckInForm(request.POST)
    context: dict = {"token": token, "form": form}
    status = 200
    try:
        lists.designation_for(token, request.user)  # 404 before looking at the input
        if not form.is_valid():
            raise InvalidInput("Give the attendee's name or username (at most 255 characters).")
        context["result"] = lists.event_list_check_in(
            token=token, user=request.user, name=form.cleaned_data["name"]
        )
    except NotFound:
        return _no_list(request)
    except ApplicationError as exc:
        context["error"], status = exc.message, exc.status
    htmx = request.headers.get("HX-Request")
    template = "events/_check_in.html" if htmx else "events/check_in.html"
    return render(request, template, context, status=status)


def list_photo(request: HttpRequest, token: str, scope_id: int) -> FileResponse:
    try:
        scope = lists.event_list_photo(token=token, user=request.user, scope_id=scope_id)
    except NotFound:
        raise Http404 from None
    return _photo_response(scope)
