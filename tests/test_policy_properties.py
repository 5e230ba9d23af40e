"""Property tests of the policy core: rules that must hold for every input, not just examples."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from officeactions.policy import CATALOG, Role
from officeactions.policy.clocks import Urgency, add_business_days, clock_state, due_at
from officeactions.policy.clocks import is_us_business_day as business
from officeactions.policy.intake import AbuseRecord, LockoutRule, lockout_for
from officeactions.policy.review import Approval, quorum

ZONES = st.sampled_from(
    [ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York"), ZoneInfo("UTC")]
)
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(received=MOMENTS, tz=ZONES, days=st.integers(min_value=1, max_value=30))
def test_business_day_targets_land_on_business_days_and_never_early(received, tz, days):
    due = add_business_days(received, days, tz, business)
    local = due.astimezone(tz)
    assert business(local.date())
    assert due > received
    # Between receipt and the due date there are exactly `days` business days after day zero.
    start = received.astimezone(tz).date()
    counted = sum(
        1 for n in range(1, (local.date() - start).days + 1) if business(start + timedelta(days=n))
    )
    assert counted == days if business(start) else counted == days + 1


@settings(max_examples=200, deadline=None)
@given(received=MOMENTS, tz=ZONES)
def test_every_timed_kind_is_due_after_receipt_and_child_protection_in_exactly_a_day(received, tz):
    for kind in CATALOG:
        due = due_at(kind.response, received, tz)
        if due is not None:
            assert due > received
    assert due_at(CATALOG.get("child_protection").response, received, tz) - received == (
        timedelta(hours=24)
    )


@given(received=MOMENTS, hours=st.integers(min_value=1, max_value=2000), elapsed=st.floats(0, 3))
def test_urgency_only_gets_worse_with_time(received, hours, elapsed):
    due = received + timedelta(hours=hours)
    order = [Urgency.ON_TRACK, Urgency.DUE_SOON, Urgency.OVERDUE]
    earlier = clock_state(received, due, received + timedelta(hours=hours * elapsed / 2))
    later = clock_state(received, due, received + timedelta(hours=hours * elapsed))
    assert order.index(later.urgency) >= order.index(earlier.urgency)


RECORDS = st.lists(
    st.tuples(st.integers(0, 700), st.integers(1, 3), st.booleans()), min_size=1, max_size=8
)


@given(records=RECORDS, seriousness=st.integers(1, 3), bad_faith=st.booleans())
def test_lockouts_never_shrink_with_more_seriousness_or_bad_faith(records, seriousness, bad_faith):
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    history = [AbuseRecord(t0 + timedelta(days=d), s, b) for d, s, b in records]
    at = t0 + timedelta(days=701)
    rule = LockoutRule()
    base = lockout_for(history, AbuseRecord(at, seriousness, False), rule)
    worse = lockout_for(history, AbuseRecord(at, min(3, seriousness + 1), bad_faith), rule)
    assert worse.days >= base.days
    assert base.days <= rule.max_days
    if not base.warning_only:
        assert base.until == at + timedelta(days=base.days)


@given(
    approvers=st.lists(
        st.tuples(st.integers(1, 6), st.sampled_from([Role.REVIEWER, Role.LEGAL_COUNSEL])),
        max_size=8,
    )
)
def test_a_global_ban_quorum_is_met_exactly_with_three_people_and_counsel(approvers):
    rule = CATALOG.get("global_ban").review
    result = quorum(rule, [Approval(pk, frozenset({role})) for pk, role in approvers])
    people = {pk: role for pk, role in approvers}  # each person counts once (last role given)
    expected = len(people) >= 3 and Role.LEGAL_COUNSEL in set(people.values())
    assert result.met is expected
