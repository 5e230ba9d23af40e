"""Writes (and audited reads) for event bans, events and organiser access to event ban lists.

Each function checks who may do it, runs in one transaction and writes its audit entry in that
same transaction. Every look at an event ban list by an organiser is itself an audit entry.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.catalog import office_time_zone
from officeactions.cases.models import Case
from officeactions.cases.selectors import cases_visible_to
from officeactions.cases.services import case_move, case_step_begin
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.notify import notify, public_url
from officeactions.policy import PolicyRefusal, Role, Team
from officeactions.policy.events import (
    DEFAULT_APPEALS_ADDRESS,
    GlobalBanLink,
    appeal_refusal,
    check_country,
    check_event,
    check_scope,
    scope_covers,
)
from officeactions.policy.events import Event as PolicyEvent
from officeactions.policy.events import EventBanScope as PolicyScope
from officeactions.policy.names import normalise_username
from officeactions.policy.workflow import (
    EXPIRE_TRANSITION,
    TRANSITIONS,
    CaseState,
    Transition,
)
from officeactions.web import token_hash

EVENT_BAN = "event_ban"
MAX_NAMES = 20
MAX_PROJECTS = 50

# The scope is what reviewers approve: it may change only before the case goes to review.
SCOPE_EDITABLE_STATES = frozenset(
    {CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.INVESTIGATING, CaseState.ACTION_PROPOSED}
)
# Identification (photograph, details) helps organisers recognise the person; it may be added
# while the ban stands, never after it ended.
IDENTIFICATION_CLOSED_STATES = frozenset(
    {CaseState.LIFTED, CaseState.EXPIRED, CaseState.DECLINED, CaseState.REJECTED}
)

# Recognised by their first bytes, not by the name or type the uploader claims.
_PHOTO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def today() -> date:
    """The office's calendar day: designations and bans run by whole days in it."""
    return timezone.localdate(timezone=office_time_zone())


def appeals_address() -> str:
    return settings.OFFICEACTIONS_EVENT_BAN_APPEALS_ADDRESS or DEFAULT_APPEALS_ADDRESS


def _check_ts_staff(actor: User, what: str) -> None:
    if Role.TS_STAFF not in user_roles(actor):
        raise NotPermitted(f"{what} needs the role of {Role.TS_STAFF.label.lower()}.")


def _lock_event_ban(case: Case, actor: User) -> Case:
    locked = cases_visible_to(actor).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise NotFound(f"No case {case.reference} that you can see.")
    if locked.kind != EVENT_BAN:
        raise StepRefused(
            f"Case {locked.reference} is a {locked.action_kind.name}, not an event ban."
        )
    team = Team(locked.team)
    if team.member_role not in user_roles(actor):
        raise NotPermitted(
            f"Recording an event ban on a {team.label} case needs the role of "
            f"{team.member_role.label.lower()}."
        )
    return locked


def _clean_names(listed_name: str, other_names: list[str]) -> tuple[str, list[str]]:
    names = []
    for raw in [listed_name, *other_names]:
        raw = str(raw or "")
        if not raw.strip():
            continue
        try:
            names.append(normalise_username(raw))
        except PolicyRefusal as exc:
            raise InvalidInput(f"Name {raw.strip()!r}: {exc.message}") from None
    if not listed_name or not str(listed_name).strip():
        raise InvalidInput("The ban needs the name or pseudonym to show on event ban lists.")
    if len(names) > MAX_NAMES:
        raise InvalidInput(f"At most {MAX_NAMES} names or pseudonyms, please.")
    first, rest = names[0], []
    for name in names[1:]:
        if name != first and name not in rest:
            rest.append(name)
    return first, rest


def _clean_projects(projects: Sequence[str] | str) -> list[str]:
    if isinstance(projects, str):
        projects = projects.replace("\n", ",").split(",")
    cleaned: list[str] = []
    for raw in projects:
        name = " ".join(str(raw).split())
        if name and name.casefold() not in {p.casefold() for p in cleaned}:
            if len(name) > 100:
                raise InvalidInput(f"Project name {name[:40]!r}… is too long (at most 100).")
            cleaned.append(name)
    if len(cleaned) > MAX_PROJECTS:
        raise InvalidInput(f"At most {MAX_PROJECTS} projects, please.")
    return cleaned


def _global_ban_case(actor: User, reference: str) -> Case | None:
    reference = (reference or "").strip()
    if not reference:
        return None
    case = cases_visible_to(actor).filter(reference=reference).first()
    if case is None:
        raise InvalidInput(f"No case {reference} that you can see.")
    if case.kind != "global_ban":
        raise InvalidInput(f"Case {reference} is a {case.action_kind.name}, not a global ban.")
    return case


@transaction.atomic
def event_ban_scope_record(
    *,
    case: Case,
    actor: User,
    listed_name: str,
    starts_on: date | None = None,
    until: date | None = None,
    country: str = "",
    city: str = "",
    projects: Sequence[str] | str = (),
    irrevocable: bool = False,
    global_ban: str = GlobalBanLink.NONE,
    global_ban_reference: str = "",
    other_names: Sequence[str] = (),
    identifying_details: str = "",
) -> EventBanScope:
    """Record (or, before review, change) what an event-ban case bans."""
    case = _lock_event_ban(case, actor)
    if case.case_state not in SCOPE_EDITABLE_STATES:
        raise StepRefused(
            f"The scope cannot change now: the case is {case.case_state.label.lower()}. "
            "Reviewers approve the scope as recorded; to change it, withdraw the proposal "
            "while it is in review."
        )
    name, others = _clean_names(listed_name, list(other_names))
    try:
        link = GlobalBanLink(global_ban or GlobalBanLink.NONE)
    except ValueError:
        known = ", ".join(g.value for g in GlobalBanLink)
        raise InvalidInput(f"Unknown global ban link {global_ban!r}; one of: {known}.") from None
    linked = _global_ban_case(actor, global_ban_reference)
    if linked is not None and link is GlobalBanLink.NONE:
        raise InvalidInput(
            "A global ban case is named, but the ban is recorded as not linked to a global ban."
        )
    try:
        country = check_country(country or "")
        scope = PolicyScope(
            starts_on=starts_on or today(),
            until=until,
            country=country,
            city=" ".join((city or "").split()),
            projects=frozenset(_clean_projects(projects or [])),
            irrevocable=bool(irrevocable),
            global_ban=link,
        )
        check_scope(scope)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    if len(identifying_details or "") > 5000:
        raise InvalidInput("The identifying details are too long: at most 5000 characters.")
    existing = EventBanScope.objects.filter(case=case).first()
    record = existing or EventBanScope(case=case, recorded_by=actor)
    record.listed_name, record.other_names = name, others
    record.country, record.city = scope.country, scope.city
    record.projects = _clean_projects(projects or [])
    record.starts_on, record.until = scope.starts_on, scope.until
    record.irrevocable, record.global_ban = scope.irrevocable, scope.global_ban.value
    record.global_ban_case = linked
    record.identifying_details = (identifying_details or "").strip()
    record.updated_at = timezone.now()
    record.save()
    audit_append(
        actor=actor,
        action="event_ban.scope_changed" if existing else "event_ban.scope_recorded",
        object_type="case",
        object_id=case.reference,
        case=case,
        # The scope, not the person: names and identifying details stay out of the log.
        data={"scope": scope.describe()},
    )
    return record


@transaction.atomic
def event_ban_led_to_global_ban(
    *, case: Case, actor: User, global_ban_reference: str
) -> EventBanScope:
    """Record that this event ban led to a global ban. It may happen long after the event ban
    took effect, and from then on the event ban is not subject to appeal."""
    case = _lock_event_ban(case, actor)
    record = EventBanScope.objects.select_for_update().filter(case=case).first()
    if record is None:
        raise StepRefused("Record the event ban's scope first.")
    if record.global_ban != GlobalBanLink.NONE:
        shown = record.get_global_ban_display()
        raise StepRefused(f"This event ban is already recorded as {shown}.")
    linked = _global_ban_case(actor, global_ban_reference)
    if linked is None:
        raise InvalidInput("Give the reference of the global ban case it led to.")
    record.global_ban, record.global_ban_case = GlobalBanLink.LED_TO.value, linked
    record.updated_at = timezone.now()
    record.save(update_fields=["global_ban", "global_ban_case", "updated_at"])
    audit_append(
        actor=actor,
        action="event_ban.led_to_global_ban",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"global_ban": linked.reference},
    )
    return record


def _photo_type(upload) -> str:
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise InvalidInput("The photograph must be a PNG or JPEG image.")


@transaction.atomic
def event_ban_photo_set(*, case: Case, actor: User, photo) -> EventBanScope:
    """Attach (or replace) the photograph that helps organisers recognise the person."""
    case = _lock_event_ban(case, actor)
    if case.case_state in IDENTIFICATION_CLOSED_STATES:
        raise StepRefused(f"The case is {case.case_state.label.lower()}: nothing to identify.")
    record = EventBanScope.objects.select_for_update().filter(case=case).first()
    if record is None:
        raise StepRefused("Record the event ban's scope first.")
    if photo is None:
        raise InvalidInput("No photograph was sent.")
    limit = settings.OFFICEACTIONS_MAX_PHOTO_BYTES
    if photo.size > limit:
        raise InvalidInput(f"The photograph is {photo.size:,} bytes; at most {limit:,}.")
    content_type = _photo_type(photo)
    old = record.photo.name if record.photo else ""
    record.photo.save(f"{secrets.token_hex(12)}", photo, save=False)
    record.photo_type = content_type
    record.updated_at = timezone.now()
    record.save()
    if old:
        # Delete the replaced file only once the new one is committed.
        storage = record.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    audit_append(
        actor=actor,
        action="event_ban.photo_set",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"bytes": photo.size, "type": content_type, "replaced": bool(old)},
    )
    return record


@transaction.atomic
def event_ban_issue(*, case: Case, actor: User, reason: str = "") -> Case:
    """Put an approved event ban in effect: from now it is on the covered events' lists."""
    case = case_step_begin(case=case, actor=actor, transition=TRANSITIONS["issue_event_ban"])
    if case.kind != EVENT_BAN:
        raise StepRefused(f"Case {case.reference} is not an event ban.")
    scope = EventBanScope.objects.filter(case=case).first()
    if scope is None:
        raise StepRefused("An event ban needs its scope recorded before it takes effect.")
    if scope.until is not None:
        from officeactions.events.tasks import event_ban_expire_task

        # The morning after the last day, in the office's calendar.
        ends = datetime.combine(scope.until + timedelta(days=1), time.min, office_time_zone())
        event_ban_expire_task.using(run_after=ends).enqueue(case.pk)
    return case_move(
        case, TRANSITIONS["issue_event_ban"], actor, reason.strip(), {"scope": scope.description}
    )


def event_ban_expire(*, case_id: int, on: date | None = None) -> str:
    """After its last day an event ban expires (the worker runs this; safe to run again)."""
    on = on or today()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id, kind=EVENT_BAN).first()
        if case is None:
            return "no such event ban"
        if case.case_state not in EXPIRE_TRANSITION.sources:
            return f"nothing to expire: {case.state}"
        scope = EventBanScope.objects.filter(case=case).first()
        if scope is None or scope.until is None or scope.until >= on:
            return "not yet"
        case_move(case, EXPIRE_TRANSITION, None, f"Ended after {scope.until.isoformat()}.")
    return "expired"


def event_ban_appeal_refusal(case: Case) -> str | None:
    """The reason an appeal of this event ban is refused, or None when it may be appealed
    (to ``appeals_address()``, as the policy says)."""
    if case.kind != EVENT_BAN:
        return f"Case {case.reference} is not an event ban."
    scope = EventBanScope.objects.filter(case=case).first()
    if scope is None:
        return "No event ban scope is recorded on this case, so there is nothing to appeal yet."
    return appeal_refusal(scope.as_policy())


def issue_refusal(case: Case, transition: Transition) -> str | None:
    """The engine's step condition: only an event ban is put in effect by this step."""
    if transition.name == "issue_event_ban" and case.kind != EVENT_BAN:
        return f"Case {case.reference} is not an event ban."
    return None


def appeal_refusal_hook(case: Case) -> str | None:
    """The engine's appeal hook: only an event ban has these refusals (irrevocable, or part of
    or leading to a global ban)."""
    return event_ban_appeal_refusal(case) if case.kind == EVENT_BAN else None


# -- events -----------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor: User,
    name: str,
    country: str,
    city: str,
    projects: Sequence[str] | str,
    starts_on: date,
    ends_on: date,
) -> Event:
    _check_ts_staff(actor, "Creating an event")
    cleaned = _clean_projects(projects)
    try:
        event = PolicyEvent(
            name=" ".join((name or "").split()),
            country=check_country(country or ""),
            city=" ".join((city or "").split()),
            projects=frozenset(cleaned),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        check_event(event)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    if len(event.name) > 200 or len(event.city) > 120:
        raise InvalidInput("The event's name (200) or city (120 characters) is too long.")
    record = Event.objects.create(
        name=event.name,
        country=event.country,
        city=event.city,
        projects=cleaned,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit_append(
        actor=actor,
        action="event.create",
        object_type="event",
        object_id=str(record.pk),
        data={"name": record.name, "place": f"{record.city}, {record.country}"},
    )
    from officeactions.cases.extensions import Hook, registry  # here, to move with the function

    registry.call(Hook.BANS_CHANGED)  # the ban check knows every event
    return record


def event_get(actor: User, pk: int) -> Event:
    """Events are Trust & Safety's: other people get a 404, as for a case they may not see."""
    if Role.TS_STAFF not in user_roles(actor):
        raise NotFound("No such event.")
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise NotFound("No such event.")
    return event


# -- organisers -------------------------------------------------------------------------------


def organiser_token(designation: OrganiserDesignation) -> str:
    """The private link's secret. Derived, so the organiser can be shown it again; only its
    hash is stored, so the database alone does not give it away."""
    return salted_hmac(
        "officeactions.events.organiser-link",
        f"{designation.event_id}:{designation.organiser_id}:{designation.token_nonce}",
        algorithm="sha256",
    ).hexdigest()


def organiser_link(designation: OrganiserDesignation) -> str:
    return public_url(reverse("events:list", args=[organiser_token(designation)]))


@transaction.atomic
def organiser_designate(
    *,
    event: Event,
    actor: User,
    organiser: User,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> OrganiserDesignation:
    """Give one person of the event's organising team or safe-space committee the event's ban
    list, for a period. They are emailed the private link."""
    _check_ts_staff(actor, "Designating an event organiser")
    if Role.EVENT_ORGANISER not in user_roles(organiser):
        raise InvalidInput(
            f"{organiser.get_username()} does not hold the role of "
            f"{Role.EVENT_ORGANISER.label.lower()}."
        )
    valid_from = valid_from or today()
    valid_until = valid_until or event.ends_on
    if valid_until < valid_from:
        raise InvalidInput("The access period cannot end before it starts.")
    if valid_until < today():
        raise InvalidInput("The access period is already over.")
    nonce = secrets.token_hex(16)
    designation = OrganiserDesignation(
        event=event,
        organiser=organiser,
        valid_from=valid_from,
        valid_until=valid_until,
        token_nonce=nonce,
        designated_by=actor,
    )
    designation.token_hash = token_hash(organiser_token(designation))
    designation.save()
    audit_append(
        actor=actor,
        action="event.organiser_designated",
        object_type="event",
        object_id=str(event.pk),
        data={
            "designation": designation.pk,
            "organiser": organiser.get_username(),
            "from": valid_from.isoformat(),
            "until": valid_until.isoformat(),
        },
    )
    link = organiser_link(designation)
    email = getattr(organiser, "email", "")
    transaction.on_commit(
        lambda: notify(
            "event_organiser_designated",
            [email],
            {"event": event, "designation": designation, "link": link},
        )
    )
    return designation


@transaction.atomic
def organiser_revoke(
    *, designation: OrganiserDesignation, actor: User, reason: str
) -> OrganiserDesignation:
    _check_ts_staff(actor, "Revoking an organiser's access")
    if not (reason or "").strip():
        raise InvalidInput("Revoking access needs a reason; none was given.")
    # Compare-and-set: two revocations racing leave one record of it.
    moved = OrganiserDesignation.objects.filter(pk=designation.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason.strip()
    )
    if moved != 1:
        raise StepRefused("This organiser's access is already revoked.")
    designation.refresh_from_db()
    audit_append(
        actor=actor,
        action="event.organiser_revoked",
        object_type="event",
        object_id=str(designation.event_id),
        reason=reason.strip(),
        data={"designation": designation.pk, "organiser": designation.organiser.get_username()},
    )
    return designation


def designation_for(token: str, user: User | AnonymousUser) -> OrganiserDesignation:
    """The designation behind a link, only for its organiser, only in its period, only while
    not revoked. Anything else is a 404 that says nothing about why."""
    missing = NotFound("No such event ban list.")
    if not user.is_authenticated or not token or len(token) > 128:
        raise missing
    designation = (
        OrganiserDesignation.objects.select_related("event", "organiser")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if (
        designation is None
        or designation.organiser_id != user.pk
        or Role.EVENT_ORGANISER not in user_roles(user)
        or not designation.active_on(today())
    ):
        raise missing
    return designation


# -- the event ban list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    """One person on an event's ban list, as the organiser sees it (no case, no reasons)."""

    key: str  # "e<scope id>" or "g<case id>": what the photo link names, nothing more
    name: str
    other_names: tuple[str, ...] = ()
    basis: str = "event ban"
    until: date | None = None
    identifying_details: str = ""
    has_photo: bool = False
    scope_id: int | None = None
    case_reference: str = ""  # for staff pages only; never shown to organisers
    match_names: frozenset[str] = field(default_factory=frozenset)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "other_names": list(self.other_names),
            "basis": self.basis,
            "until": self.until.isoformat() if self.until else None,
            "identifying_details": self.identifying_details,
            "has_photo": self.has_photo,
        }


def _match_key(name: str) -> str:
    # MediaWiki's normal form, then without regard to case: at a check-in desk a name is typed
    # as heard, and a near miss costs less than letting a banned person in.
    return normalise_username(name).casefold()


def event_bans_covering(event: Event, on: date | None = None) -> list[ListEntry]:
    """The bans in effect whose scope covers the event; global bans cover every event."""
    on = on or today()
    wanted = event.as_policy()
    entries = []
    scopes = EventBanScope.objects.select_related("case").filter(
        case__kind=EVENT_BAN, case__state=CaseState.IN_EFFECT
    )
    for scope in scopes:
        if scope.until is not None and scope.until < on:
            continue  # ended; the worker or staff will close the case
        if not scope_covers(scope.as_policy(), wanted):
            continue
        names = [scope.listed_name, *scope.other_names]
        entries.append(
            ListEntry(
                key=f"e{scope.pk}",
                name=scope.listed_name,
                other_names=tuple(scope.other_names),
                basis="event ban",
                until=scope.until,
                identifying_details=scope.identifying_details,
                has_photo=bool(scope.photo),
                scope_id=scope.pk,
                case_reference=scope.case.reference,
                match_names=frozenset(_safe_keys(names)),
            )
        )
    # The policy: names of people banned implicitly, through a global ban, are on the list too.
    banned = (
        Case.objects.filter(kind="global_ban", state=CaseState.IN_EFFECT, subject__isnull=False)
        .select_related("subject")
        .prefetch_related("subject__accounts")
    )
    for case in banned:
        subject = case.subject
        if subject is None:
            continue  # never: the query takes only cases with a subject
        usernames = sorted({a.username for a in subject.accounts.all()})
        others = tuple(u for u in usernames if u != subject.display_name)
        entries.append(
            ListEntry(
                key=f"g{case.pk}",
                name=subject.display_name,
                other_names=others,
                basis="global ban",
                case_reference=case.reference,
                match_names=frozenset(_safe_keys([subject.display_name, *usernames])),
            )
        )
    return sorted(entries, key=lambda e: e.name.casefold())


def _safe_keys(names: list[str]) -> list[str]:
    keys = []
    for name in names:
        try:
            keys.append(_match_key(name))
        except PolicyRefusal:
            continue
    return keys


@dataclass(frozen=True)
class EventList:
    designation: OrganiserDesignation
    entries: list[ListEntry]

    @property
    def event(self) -> Event:
        return self.designation.event


@transaction.atomic
def event_list_open(*, token: str, user: User | AnonymousUser) -> EventList:
    """The organiser's view of the event's ban list; each view is an audit entry."""
    designation = designation_for(token, user)
    entries = event_bans_covering(designation.event)
    audit_append(
        actor=designation.organiser,  # who this is: designation_for lets only its organiser by
        action="event_list.view",
        object_type="event",
        object_id=str(designation.event_id),
        data={"designation": designation.pk, "entries": len(entries)},
    )
    return EventList(designation, entries)


@dataclass(frozen=True)
class CheckIn:
    name: str
    banned: bool
    entry: ListEntry | None


@transaction.atomic
def event_list_check_in(*, token: str, user: User | AnonymousUser, name: str) -> CheckIn:
    """Is this attendee banned from this event? Only bans covering the event are consulted."""
    designation = designation_for(token, user)
    if not (name or "").strip():
        raise InvalidInput("Give the attendee's name or username.")
    if len(name) > 255:
        raise InvalidInput("A name is at most 255 characters.")
    try:
        key = _match_key(name)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    entry = next((e for e in event_bans_covering(designation.event) if key in e.match_names), None)
    audit_append(
        actor=designation.organiser,  # who this is: designation_for lets only its organiser by
        action="event_list.check_in",
        object_type="event",
        object_id=str(designation.event_id),
        data={
            "designation": designation.pk,
            "name": normalise_username(name),
            "banned": bool(entry),
        },
    )
    return CheckIn(normalise_username(name), entry is not None, entry)


@transaction.atomic
def event_list_photo(*, token: str, user: User | AnonymousUser, scope_id: int) -> EventBanScope:
    """A photograph on the organiser's list: only of a ban that covers the event, audited."""
    designation = designation_for(token, user)
    covered = {e.scope_id for e in event_bans_covering(designation.event) if e.has_photo}
    if scope_id not in covered:
        raise NotFound("No such photograph.")
    scope = EventBanScope.objects.select_related("case").get(pk=scope_id)
    audit_append(
        actor=designation.organiser,  # who this is: designation_for lets only its organiser by
        action="event_list.photo_view",
        object_type="event",
        object_id=str(designation.event_id),
        case=scope.case,
        data={"designation": designation.pk},
    )
    return scope


@transaction.atomic
def event_ban_photo_open(*, case: Case, actor: User) -> EventBanScope:
    """The staff on the case see its photograph; each view is audited."""
    visible = cases_visible_to(actor).filter(pk=case.pk, kind=EVENT_BAN).first()
    scope = EventBanScope.objects.filter(case=visible).first() if visible else None
    if scope is None or not scope.photo:
        raise NotFound("No such photograph.")
    audit_append(
        actor=actor,
        action="event_ban.photo_view",
        object_type="case",
        object_id=case.reference,
        case=case,
    )
    return scope
