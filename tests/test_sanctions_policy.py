"""The pure rules for actions on people: direct bans, proxy sanctions, the no-rights period and
reapplications, checked at their edges (end of month, leap years, the day the period ends)."""

from datetime import date

import pytest

from officeactions.policy import CATALOG, PolicyRefusal
from officeactions.policy.sanctions import (
    NoRightsPeriod,
    Reapplication,
    add_months,
    check_direct_ban,
    check_proxy_sanction_kind,
    check_reapplication,
    check_rights_terms,
    parse_criteria,
    parse_no_rights_period,
)


def test_a_direct_ban_must_say_why_no_warning_was_practical():
    with pytest.raises(PolicyRefusal, match="why it was not practical to offer a warning"):
        check_direct_ban(earlier_warnings=0, terms={"why_no_warning": "   "})
    check_direct_ban(earlier_warnings=0, terms={"why_no_warning": "Threats of violence."})
    check_direct_ban(earlier_warnings=1, terms={})  # bans usually follow warnings


def test_the_catalog_says_which_kinds_count_as_warnings_and_which_are_drafted():
    assert CATALOG.get("global_ban").warning_kinds == ("conduct_warning", "event_ban")
    assert CATALOG.get("conduct_warning").notice_template == "conduct_warning"
    assert CATALOG.get("conduct_warning").review.approvals == 2


def test_proxies_face_loss_of_rights_or_suspension_only():
    check_proxy_sanction_kind("rights_removal")
    check_proxy_sanction_kind("global_ban")
    with pytest.raises(PolicyRefusal, match="rights_removal, global_ban; not 'dmca_takedown'"):
        check_proxy_sanction_kind("dmca_takedown")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12 months", NoRightsPeriod(12, "month")),
        ("1 Year", NoRightsPeriod(1, "year")),
        (" 6 weeks ", NoRightsPeriod(6, "week")),
        ("90 days", NoRightsPeriod(90, "day")),
        ("permanent", NoRightsPeriod(permanent=True)),
        ("Indefinite", NoRightsPeriod(permanent=True)),
    ],
)
def test_periods_are_read(text, expected):
    assert parse_no_rights_period(text) == expected


@pytest.mark.parametrize("text", ["", "a while", "0 months", "12 fortnights", "-3 months", "12"])
def test_a_period_that_cannot_be_counted_is_refused(text):
    with pytest.raises(PolicyRefusal, match="is not understood"):
        parse_no_rights_period(text)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 1, 31), 13, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
    ],
)
def test_months_end_on_the_same_day_or_the_months_last(start, months, expected):
    assert add_months(start, months) == expected


def test_criteria_are_one_per_line_and_at_least_one():
    assert parse_criteria("- A new RfA\n\n• No blocks\n") == ["A new RfA", "No blocks"]
    with pytest.raises(PolicyRefusal, match="at least one"):
        parse_criteria(" \n ")


def test_rights_terms_refuse_uncountable_periods_and_odd_group_names():
    check_rights_terms({"no_rights_period": "2 years", "reapply_criteria": "x", "groups": "sysop"})
    with pytest.raises(PolicyRefusal, match="not understood"):
        check_rights_terms({"no_rights_period": "until they behave"})
    with pytest.raises(PolicyRefusal, match="not 'Sys Op!'"):
        check_rights_terms({"groups": "sysop, Sys Op!"})


REMOVED = date(2026, 1, 31)
CRITERIA = ["A new request for adminship", "No blocks during the period"]


def reapply(on, met=(), period="12 months"):
    return check_reapplication(
        removed_on=REMOVED,
        period=parse_no_rights_period(period),
        criteria=CRITERIA,
        criteria_met=set(met),
        applied_on=on,
    )


def test_a_reapplication_the_day_before_the_period_ends_is_too_early_and_says_when():
    result = reapply(date(2027, 1, 30), met=CRITERIA)
    assert result.outcome is Reapplication.TOO_EARLY
    assert result.may_reapply_from == date(2027, 1, 31)
    assert "ends on 2027-01-31" in result.message


def test_on_the_day_the_period_ends_the_criteria_decide():
    unmet = reapply(date(2027, 1, 31), met=CRITERIA[:1])
    assert unmet.outcome is Reapplication.CRITERIA_UNMET
    assert unmet.unmet == ("No blocks during the period",)
    assert "No blocks during the period" in unmet.message
    ok = reapply(date(2027, 1, 31), met=CRITERIA)
    assert ok.allowed and ok.outcome is Reapplication.MAY_REAPPLY


def test_a_permanent_removal_admits_no_reapplication():
    assert reapply(date(2040, 1, 1), met=CRITERIA, period="permanent").outcome is (
        Reapplication.PERMANENT
    )


def test_unknown_criteria_and_dates_before_the_removal_are_refused():
    with pytest.raises(PolicyRefusal, match="not criteria of this removal: Bribed a steward"):
        reapply(date(2027, 6, 1), met=["Bribed a steward"])
    with pytest.raises(PolicyRefusal, match="predates the removal"):
        reapply(date(2025, 12, 1))
