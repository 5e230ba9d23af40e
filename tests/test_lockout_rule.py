"""The abusive-requester rule: a warning first, then lock-outs that grow, deterministically."""

from datetime import UTC, datetime, timedelta

import pytest

from officeactions.policy.intake import AbuseRecord, LockoutRule, lockout_for

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULE = LockoutRule()


def rec(days, seriousness=1, bad_faith=False):
    return AbuseRecord(T0 + timedelta(days=days), seriousness, bad_faith)


def test_the_first_abusive_request_is_a_warning_only():
    decision = lockout_for([], rec(0, 3, True), RULE)
    assert decision.warning_only
    assert decision.until is None


@pytest.mark.parametrize(
    ("history", "latest", "days"),
    [
        ([rec(0)], rec(100), 7),  # second, mild, nothing recent
        ([rec(0)], rec(100, 2), 30),  # seriousness
        ([rec(0)], rec(100, 3), 90),
        ([rec(0), rec(50)], rec(100), 14),  # number: third doubles
        ([rec(0)], rec(10), 11),  # frequency: one other in 30 days adds half (10.5 → 11)
        ([rec(0)], rec(100, 1, True), 14),  # presumed intent doubles
        ([rec(0), rec(5), rec(8)], rec(10, 3, True), 730),  # capped at two years
    ],
)
def test_lockout_length_grows_with_each_factor(history, latest, days):
    decision = lockout_for(history, latest, RULE)
    assert not decision.warning_only
    assert decision.days == days
    assert decision.until == latest.at + timedelta(days=days)


def test_old_abuse_outside_the_lookback_does_not_count():
    decision = lockout_for([rec(0)], rec(800), RULE)
    assert decision.warning_only


def test_the_rule_is_deterministic_and_configurable():
    rule = LockoutRule.from_settings({"base_days": {"1": 1, "2": 2, "3": 3}, "growth": 3})
    assert lockout_for([rec(0), rec(100)], rec(200), rule).days == 3  # 1 day x 3^(3-2)
    assert lockout_for([rec(0), rec(100)], rec(200), RULE).days == 14  # the defaults: 7 x 2
    with pytest.raises(ValueError, match="seriousness"):
        lockout_for([], rec(0, 5), RULE)
