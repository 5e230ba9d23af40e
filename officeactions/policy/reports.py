"""The half-yearly transparency report: its periods, and how figures are summarised.

A period is a half year on the office's calendar: H1 is January to June, H2 July to December
("2026H1"). A report is only made for a period that has ended: a future period has nothing to
report, and the current one would publish figures that still change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.roles import Role
from officeactions.policy.workflow import CaseState

_PERIOD = re.compile(r"^(\d{4})H([12])$")

# Who may generate (and so publish) a report: the teams that own office actions and the
# senior reviewers. Published reports are public.
REPORT_ROLES = frozenset({Role.TS_STAFF, Role.LEGAL_COUNSEL, Role.REVIEWER})

# A case has been responded to once it is decided: closed at triage, or decided after review.
RESPONSE_STEPS = (
    "case.defer",
    "case.decline_request",
    "case.mark_abusive",
    "case.approve",
    "case.decline",
)

# Outcomes as the report names them, from the case's current state.
OUTCOMES: dict[str, tuple[CaseState, ...]] = {
    "open": (
        CaseState.RECEIVED,
        CaseState.ACCEPTED,
        CaseState.INVESTIGATING,
        CaseState.ACTION_PROPOSED,
        CaseState.IN_REVIEW,
    ),
    "action taken": (
        CaseState.APPROVED,
        CaseState.BEING_ENFORCED,
        CaseState.IN_EFFECT,
        CaseState.LIFTED,
        CaseState.EXPIRED,
    ),
    "declined": (CaseState.REJECTED, CaseState.DECLINED, CaseState.ABUSIVE),
    "deferred to community": (CaseState.DEFERRED,),
}
# For requests from the public: received, then what became of them.
REQUEST_OUTCOMES: dict[str, tuple[CaseState, ...]] = {
    "granted": OUTCOMES["action taken"],
    "declined": OUTCOMES["declined"],
    "deferred": OUTCOMES["deferred to community"],
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int  # 1: January-June, 2: July-December

    def __str__(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def label(self) -> str:
        months = "January-June" if self.half == 1 else "July-December"
        return f"{months} {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year, 7, 1) if self.half == 1 else date(self.year + 1, 1, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: midnight on the office's calendar."""
        return (
            datetime.combine(self.first_day, time(0), tz),
            datetime.combine(self.next_first_day, time(0), tz),
        )

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)


def period_of(day: date) -> Period:
    return Period(day.year, 1 if day.month <= 6 else 2)


def parse_period(text: str) -> Period:
    """'2026H1' -> Period(2026, 1); anything else is refused with the expected form."""
    match = _PERIOD.match((text or "").strip().upper())
    if not match:
        raise PolicyRefusal(
            f"Unknown period {text!r}: write the year and the half, e.g. 2026H1 "
            "(January-June) or 2026H2 (July-December)."
        )
    year = int(match.group(1))
    if year < 2000:
        raise PolicyRefusal(f"Unknown period {text!r}: the year must be 2000 or later.")
    return Period(year, int(match.group(2)))


def check_reportable(period: Period, today: date) -> None:
    """Only a period that has ended is reported: the figures of a running one still change."""
    current = period_of(today)
    if period > current:
        raise PolicyRefusal(f"{period} ({period.label}) is in the future; nothing to report yet.")
    if period == current:
        raise PolicyRefusal(
            f"{period} ({period.label}) has not ended yet; its report can be made from "
            f"{period.next_first_day.isoformat()}."
        )


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont does."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Change:
    direction: str  # "up", "down", "same", or "" when it cannot be shown
    by: float | None
    percent: float | None

    def describe(self) -> str:
        if not self.direction:
            return "—"
        if self.direction == "same":
            return "unchanged"
        text = f"{self.direction} {_number(self.by)}"
        if self.percent is not None:
            text += f" ({self.percent:+.0f}%)"
        return text


def compare(current: float | None, previous: float | None) -> Change:
    """Up or down, by how much, against the previous period. Unknown on either side (a
    figure withheld or not measured): no change is shown, since it would reveal the figure."""
    if current is None or previous is None:
        return Change("", None, None)
    by = current - previous
    if by == 0:
        return Change("same", 0, 0.0)
    percent = (by / previous * 100) if previous else None
    return Change("up" if by > 0 else "down", abs(by), percent)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
