"""The permission matrix: every role against every page and API endpoint, for a case of every
kind in the catalog.

Every URL the project routes is enumerated from the resolver and must be classified below, so a
new endpoint cannot be forgotten. Who may see a case comes from the one rule,
`cases_visible_to` (itself checked against the catalog's Visibility), and the central promise is
checked for every route: a case a person may not see gets exactly the answer a case that does
not exist gets, never a 403, so its existence does not leak.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from officeactions.accounts.roles import user_roles
from officeactions.accounts.services import api_token_create
from officeactions.cases import services
from officeactions.cases.configured import catalog
from officeactions.cases.models import CaseAssignment
from officeactions.cases.selectors import cases_visible_to
from officeactions.events import organisers
from officeactions.events import services as events
from officeactions.events.models import Event
from officeactions.policy import STAFF_ROLES, Visibility
from officeactions.web import PublicThrottle
from tests.helpers import sign_in


class Access(StrEnum):
    PUBLIC = "public"  # answers everyone, signed in or not
    PUBLIC_READ = "public read"  # anyone reads; only staff publish (POST)
    CASE = "case"  # about one case: 404 unless cases_visible_to(person) holds it
    STAFF = "staff"  # needs a signed-in person; anonymous: 401 (API) / the login page
    PRIVATE_LINK = "private link"  # a secret in the URL; a wrong one is a 404 for everyone
    SIGN_IN = "sign-in"  # the sign-in pages themselves


# Every route of the project. A route missing here fails test_every_route_is_classified.
ROUTES: dict[str, Access] = {
    "": Access.PUBLIC,  # the home page redirects to the queue or the request form
    "healthz": Access.PUBLIC,
    "api/check": Access.STAFF,  # the ban check: wikis, login hooks and organisers with a token
    "api/schema/": Access.PUBLIC,
    "api/docs/": Access.PUBLIC,
    # Sign-in
    "accounts/login/": Access.SIGN_IN,
    "accounts/logout/": Access.SIGN_IN,
    "accounts/two-factor/": Access.SIGN_IN,
    "accounts/recovery-codes/": Access.STAFF,
    "accounts/tokens/": Access.STAFF,
    # Public forms, logs and reports
    "request/": Access.PUBLIC,
    "request/status/<str:token>/": Access.PRIVATE_LINK,
    "request/confirm/<str:signed>/": Access.PRIVATE_LINK,
    "legal/dmca/": Access.PUBLIC,
    "legal/counter-notice/": Access.PUBLIC,
    "transparency/dmca/": Access.PUBLIC,
    "transparency/dmca.json": Access.PUBLIC,
    "transparency/office-actions/": Access.PUBLIC,
    "transparency/global-bans/": Access.PUBLIC,
    "transparency/reports/": Access.PUBLIC_READ,
    "transparency/reports/<str:period>/": Access.PUBLIC,
    "transparency/reports/<str:period>/charts/<str:name>.png": Access.PUBLIC,
    "appeal/": Access.PUBLIC,
    "appeal/status/<str:token>/": Access.PRIVATE_LINK,
    "api/public/requests/": Access.PUBLIC,
    "api/public/requests/<str:token>/": Access.PRIVATE_LINK,
    "api/public/dmca/notices/": Access.PUBLIC,
    "api/public/dmca/counter-notices/": Access.PUBLIC,
    "api/public/appeals/": Access.PUBLIC,
    "api/public/appeals/<str:token>/": Access.PRIVATE_LINK,
    "api/transparency/reports/": Access.PUBLIC_READ,
    "api/transparency/reports/<str:period>/": Access.PUBLIC,
    "api/kinds/": Access.STAFF,
    # Staff pages and lists that are not about one case
    "cases/": Access.STAFF,
    "cases/new/": Access.STAFF,
    "check/": Access.STAFF,
    "appeals/": Access.STAFF,
    "appeals/<str:reference>/": Access.STAFF,
    "appeals/<str:reference>/counsel/": Access.STAFF,
    "appeals/<str:reference>/decision/": Access.STAFF,
    "appeals/<str:reference>/lift/": Access.STAFF,
    "api/cases/": Access.STAFF,
    "api/queue/": Access.STAFF,
    "api/appeals/": Access.STAFF,
    "api/appeals/<str:reference>/": Access.STAFF,
    "api/appeals/<str:reference>/counsel/": Access.STAFF,
    "api/appeals/<str:reference>/decision/": Access.STAFF,
    "api/appeals/<str:reference>/lift/": Access.STAFF,
    "events/": Access.STAFF,
    "events/mine/": Access.STAFF,
    "events/<int:pk>/": Access.STAFF,
    "events/<int:pk>/organisers/": Access.STAFF,
    "events/<int:pk>/organisers/<int:designation_pk>/revoke/": Access.STAFF,
    "api/events/": Access.STAFF,
    "api/events/<int:pk>/": Access.STAFF,
    "api/events/<int:pk>/organisers/": Access.STAFF,
    "api/events/<int:pk>/organisers/<int:designation_pk>/revoke/": Access.STAFF,
    # The organiser's list: only its organiser, signed in, through the private link
    "events/list/<str:token>/": Access.PRIVATE_LINK,
    "events/list/<str:token>/check-in/": Access.PRIVATE_LINK,
    "events/list/<str:token>/photos/<int:scope_id>/": Access.PRIVATE_LINK,
    "api/event-lists/<str:token>/": Access.PRIVATE_LINK,
    "api/event-lists/<str:token>/check-in/": Access.PRIVATE_LINK,
    # One case: pages
    "cases/<str:reference>/": Access.CASE,
    "cases/<str:reference>/steps/<str:name>/": Access.CASE,
    "cases/<str:reference>/proposal/": Access.CASE,
    "cases/<str:reference>/review/": Access.CASE,
    "cases/<str:reference>/evidence/": Access.CASE,
    "cases/<str:reference>/assign/": Access.CASE,
    "cases/<str:reference>/subject/": Access.CASE,
    "cases/<str:reference>/delay/": Access.CASE,
    "cases/<str:reference>/second-review/": Access.CASE,
    "cases/<str:reference>/requester/lift/": Access.CASE,
    "cases/<str:reference>/enforce/": Access.CASE,
    "cases/<str:reference>/lift/": Access.CASE,
    "cases/<str:reference>/enforcement/retry/": Access.CASE,
    "cases/<str:reference>/accounts/": Access.CASE,
    "cases/<str:reference>/conduct-warning/": Access.CASE,
    "cases/<str:reference>/conduct-warning/issue/": Access.CASE,
    "cases/<str:reference>/reapplication/": Access.CASE,
    "cases/<str:reference>/breach-reports/": Access.CASE,
    "cases/<str:reference>/suspected-accounts/": Access.CASE,
    "cases/<str:reference>/ban-reports/": Access.CASE,
    "cases/<str:reference>/dmca/court-action/": Access.CASE,
    "cases/<str:reference>/dmca/attachments/<int:pk>/": Access.CASE,
    "cases/<str:reference>/child-protection/suppress/": Access.CASE,
    "cases/<str:reference>/child-protection/ncmec/": Access.CASE,
    "cases/<str:reference>/modifications/": Access.CASE,
    "cases/<str:reference>/checkuser/": Access.CASE,
    "cases/<str:reference>/checkuser/<int:pk>/share/": Access.CASE,
    "cases/<str:reference>/checkuser/<int:pk>/withhold/": Access.CASE,
    "events/cases/<str:reference>/scope/": Access.CASE,
    "events/cases/<str:reference>/photo/": Access.CASE,
    "events/cases/<str:reference>/photo/view/": Access.CASE,
    "events/cases/<str:reference>/issue/": Access.CASE,
    "events/cases/<str:reference>/led-to-global-ban/": Access.CASE,
    # One case: API
    "api/cases/<str:reference>/": Access.CASE,
    "api/cases/<str:reference>/steps/": Access.CASE,
    "api/cases/<str:reference>/proposal/": Access.CASE,
    "api/cases/<str:reference>/reviews/": Access.CASE,
    "api/cases/<str:reference>/evidence/": Access.CASE,
    "api/cases/<str:reference>/assignees/": Access.CASE,
    "api/cases/<str:reference>/delays/": Access.CASE,
    "api/cases/<str:reference>/requester/lift/": Access.CASE,
    "api/cases/<str:reference>/enforce/": Access.CASE,
    "api/cases/<str:reference>/lift/": Access.CASE,
    "api/cases/<str:reference>/enforcement/retry/": Access.CASE,
    "api/cases/<str:reference>/accounts/": Access.CASE,
    "api/cases/<str:reference>/subject/": Access.CASE,
    "api/cases/<str:reference>/dmca/court-action/": Access.CASE,
    "api/cases/<str:reference>/child-protection/suppress/": Access.CASE,
    "api/cases/<str:reference>/child-protection/ncmec/": Access.CASE,
    "api/cases/<str:reference>/second-review/": Access.CASE,
    "api/cases/<str:reference>/conduct-warning/": Access.CASE,
    "api/cases/<str:reference>/conduct-warning/issue/": Access.CASE,
    "api/cases/<str:reference>/reapplication-checks/": Access.CASE,
    "api/cases/<str:reference>/breach-reports/": Access.CASE,
    "api/cases/<str:reference>/suspected-accounts/": Access.CASE,
    "api/cases/<str:reference>/ban-reports/": Access.CASE,
    "api/cases/<str:reference>/event-ban/": Access.CASE,
    "api/cases/<str:reference>/event-ban/photo/": Access.CASE,
    "api/cases/<str:reference>/event-ban/issue/": Access.CASE,
    "api/cases/<str:reference>/event-ban/global-ban/": Access.CASE,
    "api/cases/<str:reference>/modifications/": Access.CASE,
    "api/cases/<str:reference>/checkuser/": Access.CASE,
    "api/cases/<str:reference>/checkuser/<int:pk>/share/": Access.CASE,
    "api/cases/<str:reference>/checkuser/<int:pk>/withhold/": Access.CASE,
}

# Who is asked: each persona of tests/conftest.py that stands for a role, someone with no role,
# a staff member who gave the password but not the second factor, and anonymous visitors.
ASKERS = [
    "agent",  # Trust & Safety staff
    "counsel",  # legal counsel
    "reviewer1",  # reviewer (senior staff)
    "designee",  # T&S staff and designated child-protection staff
    "designee2",  # designated child-protection staff only
    "auditor",
    "crc",  # Case Review Committee
    "steward",
    "organiser",  # designated event organiser
    "outsider",  # an account with no role
    "password only",  # T&S staff, second factor not given: counts as nobody signed in
    "anonymous",
]
NOBODY = {"anonymous", "password only"}

# Things on a case that a case may lack (asked by a number that exists nowhere, or a photograph
# only an event ban has): for them a visible case may answer 404 as well.
MAY_BE_ABSENT = {
    "cases/<str:reference>/dmca/attachments/<int:pk>/",
    "events/cases/<str:reference>/photo/view/",
    "api/cases/<str:reference>/checkuser/<int:pk>/share/",
    "api/cases/<str:reference>/checkuser/<int:pk>/withhold/",
    "cases/<str:reference>/checkuser/<int:pk>/share/",
    "cases/<str:reference>/checkuser/<int:pk>/withhold/",
    "events/list/<str:token>/photos/<int:scope_id>/",
}
MISSING_CASE = "OA-ZZZZ-ZZZZ"
LOGIN_REDIRECT = re.compile(r"^/accounts/login/\?next=")


def _routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route the project answers, as the text of its pattern."""
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            routes += _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.append(prefix + str(entry.pattern))
    return routes


def test_every_route_is_classified():
    routes = _routes()
    assert sorted(set(routes) - set(ROUTES)) == [], "classify the new routes in ROUTES"
    assert sorted(set(ROUTES) - set(routes)) == [], "routes that no longer exist"


def test_every_api_operation_in_the_schema_is_classified(client):
    """The OpenAPI schema lists exactly the classified API routes: nothing is hidden from it."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = {re.sub(r"\{\w+\}", "<>", p.lstrip("/")) for p in schema["paths"]}
    classified = {re.sub(r"<[\w:]+>", "<>", r) for r in ROUTES if r.startswith("api/")}
    classified -= {"api/schema/", "api/docs/"}
    assert documented == classified


def test_who_may_see_a_case_follows_the_catalogs_visibility(people):
    """cases_visible_to, the one rule, against the catalog's words for every kind."""
    for kind in catalog():
        case = _open(people, kind.code)
        for name, user in people.items():
            roles = user_roles(user)
            if kind.visibility is Visibility.STAFF:
                expected = bool(roles & STAFF_ROLES)
            elif kind.visibility is Visibility.DESIGNATED:
                expected = bool(roles & kind.visibility_roles)
            else:  # CASE_STAFF: only the staff on the case (its opener, and reviewer1)
                expected = CaseAssignment.objects.filter(case=case, user=user).exists()
                assert expected == (name in ("agent", "reviewer1")), name
            assert cases_visible_to(user).filter(pk=case.pk).exists() == expected, (
                kind.code,
                name,
            )


def _open(people, kind: str):
    actor = {"dmca_takedown": people["counsel"], "child_protection": people["designee"]}.get(
        kind, people["agent"]
    )
    case = services.case_open(actor=actor, kind=kind, title=f"A {kind} case")
    if catalog().get(kind).visibility is Visibility.CASE_STAFF:
        # Someone is on the case: from now on only they see it (not the whole team).
        services.case_assign(case=case, actor=actor, user=people["reviewer1"])
    return case


def _fill(route: str, reference: str, event_pk: int) -> str:
    values = {
        "reference": reference,
        "token": "t" * 64,
        "signed": "not-a-signature",
        "name": "accept",
        "period": "2026H1",
        "pk": str(event_pk) if route.startswith(("events/<", "api/events/<")) else "999999",
        "designation_pk": "999999",
        "scope_id": "999999",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


class Asker:
    """One person asking: a page client and an API client, each as that person."""

    def __init__(self, name: str, people: dict):
        self.name = name
        self.page = Client()
        self.api = APIClient()
        if name == "anonymous":
            self.user = AnonymousUser()
        elif name == "password only":
            self.user = AnonymousUser()  # what the product must take them for
            self.page.force_login(people["agent"])
            self.api.force_login(people["agent"])
        else:
            self.user = people[name]
            sign_in(self.page, self.user)
            _, secret = api_token_create(user=self.user, name="matrix")
            self.api.credentials(HTTP_AUTHORIZATION="Token " + secret)

    def ask(self, method: str, path: str, client=None):
        """Ask, then undo whatever the request changed: every cell starts from the same data."""
        client = client or (self.api if path.startswith("/api/") else self.page)
        with transaction.atomic():
            response = getattr(client, method)(path)
            transaction.set_rollback(True)
        return response


def _answer(response, reference: str) -> tuple:
    """What a person learns from a response, with the case's reference taken out."""
    body = response.content.decode(errors="replace") if not response.streaming else ""
    body = body.replace(reference, "REF")
    # Per-request noise: the CSRF token in forms, and the nonce of the security policy.
    body = re.sub(r'(csrfmiddlewaretoken" value="|nonce=")[^"]+', r"\1", body)
    return response.status_code, response.get("Location", "").replace(reference, "REF"), body


@pytest.fixture
def world(people, monkeypatch):
    # The public endpoints' rate limit would otherwise answer 429 part way through.
    monkeypatch.setattr(PublicThrottle, "rate", "100000/minute", raising=False)
    cache.clear()
    cases = {kind.code: _open(people, kind.code) for kind in catalog()}
    event = Event.objects.create(
        name="Matrix meetup",
        country="DE",
        city="Berlin",
        starts_on="2026-12-01",
        ends_on="2026-12-02",
        created_by=people["agent"],
    )
    return cases, event


def _kind_for(route: str) -> int:
    """A stable spread of the routes over the nine kinds."""
    return list(ROUTES).index(route) % len(catalog().kinds)


@pytest.mark.parametrize("who", ASKERS)
def test_every_role_against_every_route_and_every_kind(people, world, who):
    cases, event = world
    asker = Asker(who, people)
    is_api = {route: route.startswith("api/") for route in ROUTES}
    # Every request is rolled back, so who sees what cannot change during the test.
    seen = set(cases_visible_to(asker.user).values_list("pk", flat=True))
    for route, access in ROUTES.items():
        missing = "/" + _fill(route, MISSING_CASE, event.pk)
        for method in ("get", "post"):
            # The sign-in pages are asked by a fresh visitor: signing out would end the session.
            baseline = asker.ask(method, missing, Client() if access is Access.SIGN_IN else None)
            status = baseline.status_code
            assert status < 500, (who, method, missing, status)
            if who in NOBODY and access in (Access.CASE, Access.STAFF):
                if is_api[route]:
                    assert status == 401, (method, missing, status)
                else:
                    assert status == 302 and LOGIN_REDIRECT.match(baseline["Location"]), (
                        method,
                        missing,
                        status,
                    )
            elif who in NOBODY and access is Access.PUBLIC_READ and method == "post":
                assert status in (401, 403), (method, missing, status)
            elif who in NOBODY and access in (Access.PUBLIC, Access.PUBLIC_READ):
                assert status not in (401, 403), (method, missing, status)
                assert not (status == 302 and LOGIN_REDIRECT.match(baseline["Location"]))
            elif access is Access.PRIVATE_LINK:
                # A link that is not valid: not found, or (a signed link) a bad request.
                assert status in (400, 404, 405), (method, missing, status)
            elif access is Access.CASE:
                # Signed in: a case that does not exist is a 404, or the input is refused
                # before any case is looked at (400), or the method is not served (405).
                assert status in (400, 404, 405), (method, missing, status)
            if access is not Access.CASE or status == 405:
                continue  # a method the route does not serve is refused before any case
            expected_unseen = _answer(baseline, MISSING_CASE)
            for n, (kind, case) in enumerate(cases.items()):
                visible = case.pk in seen
                if visible and method == "post" and not is_api[route] and n != _kind_for(route):
                    # A refused form re-renders the whole case page, the slow part of this
                    # test: a person who sees the case posts each form for one kind (a
                    # different kind for each form). Unseen cases are asked for every kind.
                    continue
                path = "/" + _fill(route, case.reference, event.pk)
                response = asker.ask(method, path)
                cell = (who, kind, method.upper(), path, response.status_code, visible)
                assert response.status_code < 500, cell
                assert response.status_code != 403 or visible, cell
                if not visible:
                    # Exactly the answer for a case that does not exist: nothing leaks.
                    assert _answer(response, case.reference) == expected_unseen, cell
                elif status == 404 and route not in MAY_BE_ABSENT:
                    # The case exists for this person: the answer says something else (a
                    # sub-resource, e.g. an attachment, is asked by a number that exists nowhere).
                    assert _answer(response, case.reference) != expected_unseen, cell


# Routes about one event, and the organiser's private list: asked with the real event and link,
# then with ones that do not exist.
EVENT_ROUTES = [r for r in ROUTES if r.startswith(("events/<int:pk>/", "api/events/<int:pk>/"))]
LIST_ROUTES = [r for r in ROUTES if r.startswith(("events/list/", "api/event-lists/"))]


@pytest.mark.parametrize("who", ASKERS)
def test_events_are_trust_and_safetys_and_a_list_only_its_organisers(people, who, monkeypatch):
    """An event answers only Trust & Safety staff; the ban list's private link only the
    organiser it was given to. Everyone else gets exactly the answer a link or event that does
    not exist gets (staff included), and anonymous visitors are sent to sign in."""
    start = events.today() + timedelta(days=30)
    event = organisers.event_create(
        actor=people["agent"],
        name="Matrix meetup",
        country="DE",
        city="Berlin",
        projects="MediaWiki",
        starts_on=start,
        ends_on=start + timedelta(days=1),
    )
    designation = organisers.organiser_designate(
        event=event, actor=people["agent"], organiser=people["organiser"]
    )
    token = organisers.organiser_token(designation)
    asker = Asker(who, people)
    ts_staff = who in ("agent", "designee")

    def fill(route: str, pk: int, link: str) -> str:
        values = {"pk": str(pk), "designation_pk": str(designation.pk), "token": link}
        values["scope_id"] = "999999"
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)

    for route in EVENT_ROUTES + LIST_ROUTES:
        listing = route in LIST_ROUTES
        for method in ("get", "post"):
            real = asker.ask(method, fill(route, event.pk, token))
            fake = asker.ask(method, fill(route, 999999, "t" * 43))
            cell = (who, method.upper(), route, real.status_code)
            assert real.status_code < 500 and fake.status_code < 500, cell
            if fake.status_code == 405:
                continue
            may = (who == "organiser") if listing else ts_staff
            if who in NOBODY and not listing:
                expected = 401 if route.startswith("api/") else 302
                assert real.status_code == fake.status_code == expected, cell
            elif not may:
                assert real.status_code != 403, cell
                assert _answer(real, token) == _answer(fake, "t" * 43), cell
            elif real.status_code != 400 and route not in MAY_BE_ABSENT:
                # Input refused before anything is looked up (400) says nothing either way.
                assert _answer(real, token) != _answer(fake, "t" * 43), cell


APPEAL_ROUTES = [r for r in ROUTES if "appeals/<str:reference>/" in r]


@pytest.mark.parametrize("who", ASKERS)
def test_an_appeal_answers_only_those_appeals_visible_to_lets_see_it(people, who):
    """Staff who see the case, and the Case Review Committee once counsel routed it there:
    everyone else gets exactly the answer an appeal that does not exist gets."""
    from officeactions.appeals import services as appeals
    from officeactions.appeals.selectors import appeals_visible_to
    from tests.test_appeals import file_as_subject, issued

    appeal = file_as_subject(issued(people)).appeal
    appeals.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    asker = Asker(who, people)
    visible = appeals_visible_to(asker.user).filter(pk=appeal.pk).exists()
    staff = ("agent", "counsel", "reviewer1", "designee", "designee2", "auditor")
    assert visible == (who in (*staff, "crc"))
    missing = "OA-ZZZZ-ZZZZ"
    for route in APPEAL_ROUTES:
        for method in ("get", "post"):
            real = asker.ask(method, "/" + _fill(route, appeal.reference, 0))
            fake = asker.ask(method, "/" + _fill(route, missing, 0))
            cell = (who, method.upper(), route, real.status_code, visible)
            assert real.status_code < 500 and fake.status_code < 500, cell
            if fake.status_code == 405:
                continue
            if who in NOBODY:
                expected = 401 if route.startswith("api/") else 302
                assert real.status_code == fake.status_code == expected, cell
            elif not visible:
                assert real.status_code != 403, cell
                assert _answer(real, appeal.reference) == _answer(fake, missing), cell
            elif real.status_code != 400:
                assert _answer(real, appeal.reference) != _answer(fake, missing), cell
