"""The event ban list an organiser opens by their private link: who is on it, the check-in
of an attendee, the photographs. Every look at a list by an organiser is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.models import Case
from officeactions.errors import InvalidInput, NotFound
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.events.services import EVENT_BAN, today
from officeactions.policy import PolicyRefusal, Role
from officeactions.policy.events import scope_covers
from officeactions.policy.names import normalise_username
from officeactions.policy.workflow import CaseState
from officeactions.web import token_hash


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
