"""Response clocks: when a case is due, and how urgent it is now.

Targets count from receipt. Elapsed-hour targets (child protection's 24 hours) ignore the wall
clock; week targets keep the local time of receipt in the office's time zone, across a daylight
saving change; business-day targets skip Saturdays, Sundays and US federal holidays as observed
(the ``holidays`` package), counted on the office's calendar. A request received on a day that is
not a business day starts counting at the start of the next business day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from officeactions.policy.catalog import ResponseTarget

UTC = ZoneInfo("UTC")


@cache
def _us_federal(year: int) -> holidays.HolidayBase:
    return holidays.US(years=year)  # federal holidays, with their observed dates


def is_us_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _us_federal(day.year)


def add_business_days(
    start: datetime, days: int, tz: ZoneInfo, is_business_day: Callable[[date], bool]
) -> datetime:
    local = start.astimezone(tz)
    if not is_business_day(local.date()):
        day = local.date() + timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
        local = datetime.combine(day, time(0, 0), tz)
    day, remaining = local.date(), days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    # Same local time on the due day; datetime.combine resolves a DST gap as zoneinfo does.
    return datetime.combine(day, local.time(), tz).astimezone(UTC)


def due_at(
    target: ResponseTarget | None,
    received_at: datetime,
    tz: ZoneInfo,
    is_business_day: Callable[[date], bool] = is_us_business_day,
) -> datetime | None:
    """When the policy's target falls for something received at ``received_at``."""
    if target is None or target.same_as_enforced_action:
        return None
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if target.business_days:
        return add_business_days(received_at, target.business_days, tz, is_business_day)
    if target.weeks:
        local = received_at.astimezone(tz)
        wall = local.replace(tzinfo=None) + timedelta(weeks=target.weeks)
        return wall.replace(tzinfo=tz).astimezone(UTC)
    # Elapsed time: add in UTC, since aware arithmetic in a local zone is wall-clock time.
    return received_at.astimezone(UTC) + timedelta(hours=target.hours)


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    NO_TARGET = "no_target"


# "Due soon" once less than this share of the time from receipt to the target is left.
DUE_SOON_SHARE = 0.25


def due_soon_at(received_at: datetime, due: datetime) -> datetime:
    return due - (due - received_at) * DUE_SOON_SHARE


@dataclass(frozen=True)
class ClockState:
    urgency: Urgency
    due_at: datetime | None
    remaining: timedelta | None

    def describe(self) -> str:
        if self.due_at is None or self.remaining is None:  # both set, or neither
            return "no target set"
        hours = abs(self.remaining.total_seconds()) / 3600
        span = f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
        return f"overdue by {span}" if self.urgency is Urgency.OVERDUE else f"due in {span}"


def clock_state(received_at: datetime, due: datetime | None, now: datetime) -> ClockState:
    if due is None:
        return ClockState(Urgency.NO_TARGET, None, None)
    remaining = due - now
    if remaining <= timedelta(0):
        return ClockState(Urgency.OVERDUE, due, remaining)
    if now >= due_soon_at(received_at, due):
        return ClockState(Urgency.DUE_SOON, due, remaining)
    return ClockState(Urgency.ON_TRACK, due, remaining)


class DelayReason(StrEnum):
    """Why a case takes longer than its target (the policy names these)."""

    NEW_INFORMATION = "new_information"
    REQUEST_EXPANDED = "request_expanded"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            DelayReason.NEW_INFORMATION: "New information received",
            DelayReason.REQUEST_EXPANDED: "The request expanded substantially",
            DelayReason.OTHER: "Other unforeseen circumstances",
        }[self]
