"""Foundation event bans: their scope, which events a scope covers, and the appeal rule.

The policy: an event ban may be location specific (a city or a country), project specific (a
named wiki, MediaWiki, a Wikiproject), time specific (until a date) or any combination; it may
be irrevocable; it may be part of a global ban or lead to one. "If notice of an event ban does
not include a specific expiration date or note that it is irrevocable, an appeal may be sent"
to the appeals address; "event bans that are part of global bans or lead to global bans are
not subject to appeal."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from officeactions.policy.errors import PolicyRefusal

# Where the policy sends appeals of event bans; an operator may point it elsewhere.
DEFAULT_APPEALS_ADDRESS = "ca@wikimedia.org"

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class GlobalBanLink(StrEnum):
    NONE = "none"
    PART_OF = "part_of"  # the event ban is one part of a global ban
    LED_TO = "led_to"  # the event ban came first and led to a global ban

    @property
    def label(self) -> str:
        return {
            GlobalBanLink.NONE: "not linked to a global ban",
            GlobalBanLink.PART_OF: "part of a global ban",
            GlobalBanLink.LED_TO: "led to a global ban",
        }[self]


def normalise_project(name: str) -> str:
    """Projects are compared without regard to case or surrounding space ("MediaWiki")."""
    return " ".join(name.split()).casefold()


def normalise_place(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class EventBanScope:
    """Where, for which projects and until when a person may not attend events.

    Empty ``country`` means anywhere; a ``city`` narrows a country. Empty ``projects`` means
    every project. ``until`` is the last day of the ban (inclusive); None is indefinite.
    """

    starts_on: date
    until: date | None = None
    country: str = ""
    city: str = ""
    projects: frozenset[str] = field(default_factory=frozenset)
    irrevocable: bool = False
    global_ban: GlobalBanLink = GlobalBanLink.NONE

    @property
    def indefinite(self) -> bool:
        return self.until is None

    def describe(self) -> str:
        if self.city:
            where = f"in {self.city}, {self.country}"
        elif self.country:
            where = f"in {self.country}"
        else:
            where = "anywhere"
        which = ", ".join(sorted(self.projects)) if self.projects else "every project"
        when = f"until {self.until.isoformat()}" if self.until else "indefinitely"
        return (
            f"Events {where}, for {which}, from {self.starts_on.isoformat()} {when}"
            + ("; irrevocable" if self.irrevocable else "")
            + (f"; {self.global_ban.label}" if self.global_ban is not GlobalBanLink.NONE else "")
        )


@dataclass(frozen=True)
class Event:
    """An in-person event: where it is, which projects it is about, its first and last day."""

    name: str
    country: str
    city: str
    projects: frozenset[str]
    starts_on: date
    ends_on: date


def check_country(code: str) -> str:
    code = code.strip().upper()
    if code and not _COUNTRY.match(code):
        raise PolicyRefusal(
            f"{code!r} is not a country code: use the two-letter ISO 3166 code, e.g. DE or BR."
        )
    return code


def check_scope(scope: EventBanScope) -> None:
    """Refuse a scope that contradicts itself; the message says how."""
    check_country(scope.country)
    if scope.city and not scope.country:
        raise PolicyRefusal(
            "A city needs its country (many cities share a name); give the country code too."
        )
    if scope.until is not None and scope.until < scope.starts_on:
        raise PolicyRefusal(
            f"The ban cannot end ({scope.until.isoformat()}) before it starts "
            f"({scope.starts_on.isoformat()})."
        )
    if any(not p.strip() for p in scope.projects):
        raise PolicyRefusal("A project name cannot be empty.")
    if scope.global_ban is GlobalBanLink.PART_OF and (
        scope.country or scope.projects or scope.until
    ):
        # A global ban covers every event everywhere, indefinitely; a part of it cannot be
        # narrower without contradicting the ban it belongs to.
        raise PolicyRefusal(
            "An event ban that is part of a global ban covers every place, project and date; "
            "remove the location, project or end date, or record it as not part of one."
        )


def check_event(event: Event) -> None:
    if not event.name.strip():
        raise PolicyRefusal("An event needs a name.")
    if not check_country(event.country):
        raise PolicyRefusal("An event needs its country (two-letter ISO 3166 code).")
    if not event.city.strip():
        raise PolicyRefusal("An event needs its city.")
    if not event.projects or any(not p.strip() for p in event.projects):
        raise PolicyRefusal("An event needs at least one project it is about, e.g. MediaWiki.")
    if event.ends_on < event.starts_on:
        raise PolicyRefusal(
            f"The event cannot end ({event.ends_on.isoformat()}) before it starts "
            f"({event.starts_on.isoformat()})."
        )


def covers_place(scope: EventBanScope, event: Event) -> bool:
    if not scope.country:
        return True
    if scope.country.upper() != event.country.upper():
        return False
    return not scope.city or normalise_place(scope.city) == normalise_place(event.city)


def covers_project(scope: EventBanScope, event: Event) -> bool:
    if not scope.projects:
        return True
    banned = {normalise_project(p) for p in scope.projects}
    return bool(banned & {normalise_project(p) for p in event.projects})


def covers_dates(scope: EventBanScope, event: Event) -> bool:
    """Covered when the ban is in force on any day of the event."""
    if event.ends_on < scope.starts_on:
        return False
    return scope.until is None or event.starts_on <= scope.until


def scope_covers(scope: EventBanScope, event: Event) -> bool:
    """Does the ban's scope cover the event's place, project and dates? All three must hold."""
    return (
        covers_place(scope, event) and covers_project(scope, event) and covers_dates(scope, event)
    )


def appeal_refusal(scope: EventBanScope) -> str | None:
    """Why an appeal of this event ban is refused, or None when it may be appealed."""
    if scope.global_ban is not GlobalBanLink.NONE:
        what = "is part of" if scope.global_ban is GlobalBanLink.PART_OF else "led to"
        return (
            f"This event ban {what} a global ban: event bans that are part of, or led to, a "
            "global ban are not subject to appeal."
        )
    if scope.irrevocable:
        return "This event ban is irrevocable: its notice says so, and it cannot be appealed."
    if scope.until is not None:
        return (
            f"This event ban ends on {scope.until.isoformat()}: only an event ban with no "
            "expiry date can be appealed."
        )
    return None
