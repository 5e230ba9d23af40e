"""Writes (and audited reads) for the event ban on a case: its scope, photograph, taking
effect, expiry, and the refusals the case engine asks of it (step conditions, appeals).

Each function checks who may do it, runs in one transaction and writes its audit entry in that
same transaction. Events and their organisers are in ``organisers``; the organiser's list and
check-in in ``lists``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.configured import office_time_zone
from officeactions.cases.models import Case
from officeactions.cases.moves import case_move, case_step_begin
from officeactions.cases.selectors import cases_visible_to
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.events.models import EventBanScope
from officeactions.events.tasks import event_ban_expire_task
from officeactions.policy import PolicyRefusal, Team
from officeactions.policy.events import (
    DEFAULT_APPEALS_ADDRESS,
    GlobalBanLink,
    appeal_refusal,
    check_country,
    check_scope,
)
from officeactions.policy.events import EventBanScope as PolicyScope
from officeactions.policy.names import normalise_username
from officeactions.policy.workflow import (
    EXPIRE_TRANSITION,
    TRANSITIONS,
    CaseState,
    Transition,
)

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


def clean_projects(projects: Sequence[str] | str) -> list[str]:
    """Project names as typed (a list, or one a line or comma-separated), without repeats:
    the same for an event as for the scope of a ban, so that the two compare."""
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
            projects=frozenset(clean_projects(projects or [])),
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
    record.projects = clean_projects(projects or [])
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
