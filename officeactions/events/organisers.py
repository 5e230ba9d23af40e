"""Events, and the organisers designated to see an event's ban list (Trust & Safety's writes).

Each function checks who may do it, runs in one transaction and writes its audit entry in that
same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.extensions import Hook, registry
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.events.models import Event, OrganiserDesignation
from officeactions.events.services import clean_projects, today
from officeactions.notify import notify, public_url
from officeactions.policy import PolicyRefusal, Role
from officeactions.policy.events import Event as PolicyEvent
from officeactions.policy.events import check_country, check_event
from officeactions.web import token_hash


def _check_ts_staff(actor: User, what: str) -> None:
    if Role.TS_STAFF not in user_roles(actor):
        raise NotPermitted(f"{what} needs the role of {Role.TS_STAFF.label.lower()}.")


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
    cleaned = clean_projects(projects)
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
