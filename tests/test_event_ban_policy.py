"""The event ban rules alone: which events a scope covers, contradictions, the appeal rule."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officeactions.policy import PolicyRefusal
from officeactions.policy.events import (
    Event,
    EventBanScope,
    GlobalBanLink,
    appeal_refusal,
    check_event,
    check_scope,
    covers_dates,
    scope_covers,
)

WIKIMANIA = Event(
    name="Wikimania",
    country="PL",
    city="Katowice",
    projects=frozenset({"Wikipedia", "MediaWiki"}),
    starts_on=date(2026, 8, 6),
    ends_on=date(2026, 8, 9),
)
START = date(2026, 1, 1)


def scope(**kw) -> EventBanScope:
    return EventBanScope(starts_on=kw.pop("starts_on", START), **kw)


@pytest.mark.parametrize(
    ("terms", "covered"),
    [
        ({}, True),  # anywhere, every project, indefinitely
        ({"country": "PL"}, True),
        ({"country": "DE"}, False),
        ({"country": "PL", "city": "katowice "}, True),  # city compared without case or space
        ({"country": "PL", "city": "Warsaw"}, False),
        ({"projects": frozenset({"mediawiki"})}, True),
        ({"projects": frozenset({"Wikidata"})}, False),
        ({"until": date(2026, 8, 6)}, True),  # in force on the first day of the event
        ({"until": date(2026, 8, 5)}, False),  # ended the day before
        ({"starts_on": date(2026, 8, 9)}, True),  # starts on the last day
        ({"starts_on": date(2026, 8, 10)}, False),
        ({"country": "PL", "projects": frozenset({"Wikidata"})}, False),  # all must hold
        ({"country": "PL", "projects": frozenset({"MediaWiki"}), "until": date(2027, 1, 1)}, True),
    ],
)
def test_it_covers_an_event_only_where_place_project_and_dates_all_hold(terms, covered):
    assert scope_covers(scope(**terms), WIKIMANIA) is covered


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"city": "Paris"}, "A city needs its country"),
        ({"country": "Germany"}, "not a country code"),
        ({"until": START - timedelta(days=1)}, "cannot end"),
        ({"projects": frozenset({" "})}, "project name cannot be empty"),
        ({"global_ban": GlobalBanLink.PART_OF, "country": "DE"}, "part of a global ban covers"),
        ({"global_ban": GlobalBanLink.PART_OF, "until": date(2027, 1, 1)}, "part of a global"),
    ],
)
def test_it_refuses_a_scope_that_contradicts_itself(terms, message):
    with pytest.raises(PolicyRefusal, match=message):
        check_scope(scope(**terms))


def test_a_scope_that_led_to_a_global_ban_may_stay_narrow():
    check_scope(scope(global_ban=GlobalBanLink.LED_TO, country="DE", until=date(2027, 1, 1)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "needs a name"),
        ({"country": ""}, "needs its country"),
        ({"city": ""}, "needs its city"),
        ({"projects": frozenset()}, "at least one project"),
        ({"ends_on": date(2026, 8, 1)}, "cannot end"),
    ],
)
def test_it_refuses_an_event_without_what_coverage_needs(changes, message):
    with pytest.raises(PolicyRefusal, match=message):
        check_event(replace(WIKIMANIA, **changes))


@pytest.mark.parametrize(
    ("terms", "refused_because"),
    [
        ({}, None),  # no expiry, not irrevocable: appealable
        ({"country": "DE", "projects": frozenset({"dewiki"})}, None),
        ({"until": date(2027, 1, 1)}, "ends on 2027-01-01"),
        ({"irrevocable": True}, "irrevocable"),
        ({"global_ban": GlobalBanLink.PART_OF}, "part of a global ban"),
        ({"global_ban": GlobalBanLink.LED_TO}, "led to a global ban"),
    ],
)
def test_the_appeal_rule(terms, refused_because):
    reason = appeal_refusal(scope(**terms))
    if refused_because is None:
        assert reason is None
    else:
        assert refused_because in reason


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
countries = st.sampled_from(["PL", "DE", "BR", ""])
projects = st.frozensets(st.sampled_from(["enwiki", "MediaWiki", "Wikidata", "dewiki"]))


@st.composite
def events(draw):
    start = draw(days)
    return Event(
        name="E",
        country=draw(countries.filter(bool)),
        city=draw(st.sampled_from(["Berlin", "Katowice", "Recife"])),
        projects=draw(projects.filter(bool)),
        starts_on=start,
        ends_on=start + timedelta(days=draw(st.integers(0, 10))),
    )


@st.composite
def scopes(draw):
    start = draw(days)
    until = draw(st.none() | st.integers(0, 2000).map(lambda n: start + timedelta(days=n)))
    country = draw(countries)
    return EventBanScope(
        starts_on=start,
        until=until,
        country=country,
        city=draw(st.sampled_from(["", "Berlin"])) if country else "",
        projects=draw(projects),
    )


@given(events())
def test_a_ban_without_limits_covers_every_event_from_its_start(event):
    assert scope_covers(EventBanScope(starts_on=event.starts_on), event)


@given(scopes(), events(), countries.filter(bool), projects.filter(bool))
def test_narrowing_a_scope_never_covers_more(s, event, country, narrower):
    narrowed = replace(s, country=s.country or country, projects=s.projects or narrower)
    if scope_covers(narrowed, event):
        assert scope_covers(s, event)


@given(scopes(), events())
def test_coverage_in_time_is_a_day_of_the_event_on_which_the_ban_is_in_force(s, event):
    length = (event.ends_on - event.starts_on).days + 1
    event_days = [event.starts_on + timedelta(days=n) for n in range(length)]
    in_force = [d for d in event_days if d >= s.starts_on and (s.until is None or d <= s.until)]
    assert covers_dates(s, event) is bool(in_force)
