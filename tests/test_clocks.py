"""Response clocks across weekends, US federal holidays, time zones and clock changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from officeactions.policy import CATALOG
from officeactions.policy.clocks import Urgency, clock_state, due_at, is_us_business_day

OFFICE = ZoneInfo("America/Los_Angeles")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def local(*args):
    return datetime(*args, tzinfo=OFFICE)


def target(code):
    return CATALOG.get(code).response


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday before Thanksgiving: Thu 26 Nov is skipped as well as both weekends.
        (local(2026, 11, 20, 9, 0), local(2026, 12, 2, 9, 0)),
        # Received on Saturday 4 July (observed on Friday 3 July): counting starts Monday.
        (local(2026, 7, 4, 10, 0), local(2026, 7, 15, 0, 0)),
        # Thursday 2 July: the observed holiday on Friday 3 July does not count.
        (local(2026, 7, 2, 12, 0), local(2026, 7, 14, 12, 0)),
        # Across the end of daylight saving time and Veterans Day (Wed 11 Nov is not reached).
        (local(2026, 10, 30, 10, 0), local(2026, 11, 10, 10, 0)),
        # Christmas and New Year's Day on Fridays.
        (local(2026, 12, 23, 8, 0), local(2027, 1, 5, 8, 0)),
    ],
)
def test_dmca_counts_seven_business_days(received, due):
    assert due_at(target("dmca_takedown"), received, OFFICE) == due


def test_business_days_follow_the_office_calendar_not_utc():
    # 02:00 UTC on Saturday is still Friday evening in the office: Friday is day zero.
    received = utc(2026, 11, 21, 2, 0)
    assert due_at(target("dmca_takedown"), received, OFFICE) == local(2026, 12, 2, 18, 0)
    # Counted on a UTC calendar the same instant falls on Saturday: counting starts Monday.
    assert due_at(target("dmca_takedown"), received, ZoneInfo("UTC")) == utc(2026, 12, 3, 0, 0)


def test_four_weeks_keep_the_local_time_across_the_spring_clock_change():
    received = local(2027, 3, 1, 10, 0)  # PST, UTC-8
    due = due_at(target("global_ban"), received, OFFICE)
    assert due == local(2027, 3, 29, 10, 0)  # PDT, UTC-7
    assert due - received == timedelta(weeks=4) - timedelta(hours=1)
    assert due_at(target("event_ban"), received, OFFICE) == due


def test_twenty_four_hours_are_elapsed_hours_across_the_autumn_clock_change():
    received = local(2026, 10, 31, 12, 0)  # PDT; clocks go back at 02:00 on 1 November
    due = due_at(target("child_protection"), received, OFFICE)
    assert due - received == timedelta(hours=24)
    assert due.astimezone(OFFICE).hour == 11  # one wall-clock hour earlier than receipt


def test_kinds_without_a_target_have_no_due_date():
    for code in ("conduct_warning", "rights_removal", "checkuser", "page_protection"):
        assert due_at(target(code), utc(2026, 1, 5, 12), OFFICE) is None
    assert due_at(target("range_block"), utc(2026, 1, 5, 12), OFFICE) is None  # takes its ban's


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(target("global_ban"), datetime(2026, 1, 1), OFFICE)


def test_federal_holidays_as_observed():
    assert not is_us_business_day(date(2026, 7, 3))  # observed
    assert not is_us_business_day(date(2026, 11, 26))  # Thanksgiving
    assert is_us_business_day(date(2026, 11, 27))  # not federal


def test_urgency_over_a_cases_life():
    received = utc(2026, 1, 1)
    due = received + timedelta(hours=24)
    assert clock_state(received, due, received + timedelta(hours=1)).urgency is Urgency.ON_TRACK
    assert clock_state(received, due, received + timedelta(hours=19)).urgency is Urgency.DUE_SOON
    late = clock_state(received, due, received + timedelta(hours=30))
    assert late.urgency is Urgency.OVERDUE
    assert late.describe() == "overdue by 6 hours"
    assert clock_state(received, None, received).urgency is Urgency.NO_TARGET
