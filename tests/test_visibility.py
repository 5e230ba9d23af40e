"""Need to know: who sees which case, checked for every role, in the selector, pages and API."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from officeactions.cases import selectors, services
from officeactions.policy import CATALOG
from officeactions.sanctions import services as sanctions
from tests.conftest import PERSONAS
from tests.helpers import sign_in

STAFF = {
    "agent",
    "agent2",
    "counsel",
    "counsel2",
    "reviewer1",
    "reviewer2",
    "reviewer3",
    "designee",
    "designee2",
    "auditor",
}
EXPECTED = {
    "global_ban": STAFF,
    "event_ban": STAFF,
    "dmca_takedown": STAFF,
    "rights_removal": STAFF,
    "page_protection": STAFF,
    "range_block": STAFF,
    "conduct_warning": {"agent"},  # only the staff on the case
    "checkuser": {"agent"},
    "child_protection": {"designee", "designee2"},  # only designated staff, assigned or not
}


def test_the_table_covers_every_kind():
    assert set(EXPECTED) == set(CATALOG.kinds)


@pytest.fixture
def one_of_each(people, open_case):
    return {kind: open_case(kind) for kind in EXPECTED}


@pytest.mark.parametrize("who", sorted(PERSONAS))
def test_each_role_sees_exactly_the_cases_it_should(people, one_of_each, who, client):
    user = people[who]
    expected = {one_of_each[k].reference for k, seers in EXPECTED.items() if who in seers}

    assert set(selectors.cases_visible_to(user).values_list("reference", flat=True)) == expected

    sign_in(client, user)
    page = client.get(reverse("cases:list")).content.decode()
    api = APIClient()
    api.force_authenticate(user)
    listed = {c["reference"] for c in api.get("/api/cases/?limit=100").json()["results"]}
    assert listed == expected
    for kind, case in one_of_each.items():
        visible = case.reference in expected
        assert (case.reference in page) is visible, (who, kind)
        assert (case.title in page) is visible, (who, kind)
        detail = client.get(reverse("cases:detail", args=[case.reference]))
        assert detail.status_code == (200 if visible else 404), (who, kind)
        response = api.get(f"/api/cases/{case.reference}/")
        assert response.status_code == (200 if visible else 404), (who, kind)
        if not visible:
            # Not found, not forbidden: the answer does not tell that the case exists.
            assert case.title not in response.content.decode()
            assert case.title not in detail.content.decode()


def test_assignment_opens_a_confidential_case_to_that_person_only(people, one_of_each):
    warning = one_of_each["conduct_warning"]
    services.case_assign(case=warning, actor=people["agent"], user=people["reviewer1"])
    assert warning in selectors.cases_visible_to(people["reviewer1"])
    assert warning not in selectors.cases_visible_to(people["reviewer2"])


def test_anonymous_visitors_are_sent_to_log_in(client, one_of_each):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert APIClient().get("/api/cases/").status_code == 401


def test_an_inactive_account_sees_nothing(people, one_of_each):
    people["agent"].is_active = False
    people["agent"].save()
    people["agent"].__dict__.pop("_officeactions_roles", None)
    assert not selectors.cases_visible_to(people["agent"]).exists()


@pytest.mark.parametrize("who", sorted(PERSONAS))
def test_an_issued_warning_shows_in_a_later_case_only_to_the_staff_on_it(people, who, client):
    """The warning's words and its case reach nobody but the staff on the warning, not even
    through the warning history of a later, widely visible case about the same person."""
    from tests.helpers import approved

    person = services.subject_create(actor=people["agent"], display_name="P")
    warning = approved(people, "conduct_warning", subject=person)  # agent, reviewer1, counsel
    sanctions.conduct_warning_issue(case=warning, actor=people["agent"])
    ban = services.case_open(actor=people["agent"], kind="global_ban", title="B", subject=person)
    on_warning = who in {"agent", "reviewer1", "counsel"}
    sign_in(client, people[who])
    page = client.get(reverse("cases:detail", args=[ban.reference]))
    api = APIClient()
    api.force_authenticate(people[who])
    response = api.get(f"/api/cases/{ban.reference}/")
    for body in (page.content.decode(), response.content.decode()):
        assert (warning.reference in body) is on_warning, who
        assert "Repeated personal attacks" not in body  # the words stay on the warning case
