"""The appeal window in the policy core: exact edges, and extensions that never move it."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officeactions.policy import CATALOG, PolicyRefusal
from officeactions.policy.appeals import (
    Against,
    Modification,
    add_months,
    appeal_route,
    appeal_window,
    check_in_time,
    what_is_appealed,
)
from officeactions.policy.catalog import AppealRoute
from officeactions.policy.workflow import CaseState

LA = ZoneInfo("America/Los_Angeles")
ZONES = st.sampled_from([LA, ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")])
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


def test_six_months_from_the_last_day_of_a_month_lands_on_the_last_day_of_the_shorter_one():
    assert add_months(datetime(2025, 8, 31, 12, tzinfo=UTC), 6, UTC) == datetime(
        2026, 2, 28, 12, tzinfo=UTC
    )
    # Leap year: 31 August 2023 + 6 months is 29 February 2024.
    assert add_months(datetime(2023, 8, 31, 12, tzinfo=UTC), 6, UTC) == datetime(
        2024, 2, 29, 12, tzinfo=UTC
    )


def test_the_window_is_counted_in_the_office_calendar_across_a_clock_change():
    # 1 March 2026 09:00 in Los Angeles (PST, UTC-8) + 6 months = 1 September 09:00 PDT (UTC-7).
    issued = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    window = appeal_window(issued, [], 6, LA)
    assert window.closes_at.astimezone(UTC) == datetime(2026, 9, 1, 16, 0, tzinfo=UTC)
    # And the local date matters: 23:30 on 31 Aug in LA is 1 Sep in UTC; LA's calendar counts.
    late = datetime(2025, 9, 1, 6, 30, tzinfo=UTC)  # 31 Aug 23:30 PDT
    assert appeal_window(late, [], 6, LA).closes_at.astimezone(LA).date().isoformat() == (
        "2026-02-28"
    )


def test_the_window_edges_are_exact():
    issued = datetime(2026, 1, 15, 10, tzinfo=UTC)
    window = appeal_window(issued, [], 6, UTC)
    check_in_time(window, window.closes_at, UTC)  # the last moment is still in time
    with pytest.raises(PolicyRefusal, match="window closed on 2026-07-15 10:00"):
        check_in_time(window, window.closes_at + timedelta(microseconds=1), UTC)


def test_a_substantial_atypical_modification_reopens_the_window_and_an_extension_does_not():
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    extended = appeal_window(
        issued, [(Modification.EXTENSION, datetime(2026, 5, 1, tzinfo=UTC))], 6, UTC
    )
    assert extended.closes_at == datetime(2026, 7, 1, tzinfo=UTC) and not extended.reopened
    changed = appeal_window(
        issued,
        [
            (Modification.SUBSTANTIAL_ATYPICAL, datetime(2026, 3, 1, tzinfo=UTC)),
            (Modification.EXTENSION, datetime(2026, 6, 1, tzinfo=UTC)),
        ],
        6,
        UTC,
    )
    assert changed.closes_at == datetime(2026, 9, 1, tzinfo=UTC) and changed.reopened


@settings(max_examples=300, deadline=None)
@given(
    issued=MOMENTS,
    tz=ZONES,
    mods=st.lists(
        st.tuples(
            st.sampled_from(list(Modification)), st.timedeltas(timedelta(0), timedelta(days=900))
        ),
        max_size=5,
    ),
    extensions=st.lists(st.timedeltas(timedelta(0), timedelta(days=900)), min_size=1, max_size=5),
)
def test_an_extension_never_moves_the_window(issued, tz, mods, extensions):
    history = [(kind, issued + after) for kind, after in mods]
    with_extensions = history + [(Modification.EXTENSION, issued + e) for e in extensions]
    assert appeal_window(issued, history, 6, tz) == appeal_window(issued, with_extensions, 6, tz)


@settings(max_examples=300, deadline=None)
@given(issued=MOMENTS, tz=ZONES, months=st.integers(min_value=1, max_value=24))
def test_the_window_closes_the_same_local_time_months_later_never_early(issued, tz, months):
    closes = appeal_window(issued, [], months, tz).closes_at
    local_issued, local_closes = issued.astimezone(tz), closes.astimezone(tz)
    assert closes > issued
    assert (local_closes.year * 12 + local_closes.month) - (
        local_issued.year * 12 + local_issued.month
    ) == months
    assert local_closes.day <= local_issued.day


def test_what_may_be_appealed_and_where_it_goes():
    assert what_is_appealed(CaseState.IN_EFFECT) is Against.ACTION
    assert what_is_appealed(CaseState.DECLINED) is Against.NO_ACTION
    with pytest.raises(PolicyRefusal, match="end of the investigation"):
        what_is_appealed(CaseState.INVESTIGATING)
    ban = CATALOG.get("global_ban")
    assert appeal_route(ban, Against.ACTION) is AppealRoute.CASE_REVIEW_COMMITTEE
    assert appeal_route(ban, Against.NO_ACTION) is AppealRoute.APPEALS_ADDRESS
    for code in ("checkuser", "child_protection", "dmca_takedown", "range_block"):
        with pytest.raises(PolicyRefusal, match="cannot be appealed"):
            appeal_route(CATALOG.get(code), Against.ACTION)


@settings(max_examples=200, deadline=None)
@given(
    issued=MOMENTS,
    tz=ZONES,
    reopened_after=st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=400))),
)
def test_an_appeal_is_in_time_up_to_the_last_moment_and_not_a_microsecond_later(
    issued, tz, reopened_after
):
    mods = []
    if reopened_after is not None:
        mods = [(Modification.SUBSTANTIAL_ATYPICAL, issued + reopened_after)]
    window = appeal_window(issued, mods, 6, tz)
    assert window.opened_at == (issued if reopened_after is None else issued + reopened_after)
    check_in_time(window, window.closes_at, tz)
    with pytest.raises(PolicyRefusal, match="Too late"):
        check_in_time(window, window.closes_at + timedelta(microseconds=1), tz)
