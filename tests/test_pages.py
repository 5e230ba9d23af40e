"""The staff web pages: log in, list, open, and walk a case to a decision."""

import pytest
from django.test import Client
from django.urls import reverse

from officeactions.cases.models import Case
from tests.helpers import authenticator, db_snapshot, totp_code


def logged_in(user) -> Client:
    """Signed in as staff sign in: the password, then a code from the authenticator app."""
    client = Client()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-" + user.username}
    )
    assert response.status_code == 302, "login failed"
    device = authenticator(user)
    response = client.post(response["Location"], {"token": totp_code(device)})
    assert response.status_code == 302, "second factor refused"
    return client


def post_step(client, case, name, reason=""):
    return client.post(
        reverse("cases:transition", args=[case.reference, name]), {"reason": reason}, follow=True
    )


def test_login_page_refuses_a_wrong_password(people):
    response = Client().post(reverse("login"), {"username": "agent", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_staff_open_a_case_from_the_form(people):
    client = logged_in(people["agent"])
    response = client.post(
        reverse("cases:new"),
        {
            "kind": "global_ban",
            "title": "Harassment across wikis",
            "summary": "Threats",
            "accounts": "enwiki:Harasser\ndewiki:Harasser2",
            "addresses": "192.0.2.4",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.reference])
    page = response.content.decode()
    assert "Harasser2 on dewiki" in page
    assert "address 192.0.2.4" in page
    assert case.subject.display_name == "Harasser"


def test_a_bad_form_keeps_the_input_and_says_what_is_wrong(people):
    client = logged_in(people["agent"])
    before = db_snapshot()
    response = client.post(
        reverse("cases:new"),
        {"kind": "global_ban", "title": "Keep me", "accounts": "no-colon-here", "addresses": ""},
    )
    assert response.status_code == 400
    assert b"is not wiki:username" in response.content
    assert b'value="Keep me"' in response.content
    response = client.post(
        reverse("cases:new"), {"kind": "global_ban", "title": "Bad IP", "addresses": "10.0.0.1/8"}
    )
    assert response.status_code == 400
    assert b"not an IP address or a CIDR range" in response.content
    assert db_snapshot() == before


def test_staff_walk_a_case_to_approval_with_a_visible_timeline(people, open_case):
    case = open_case("global_ban")
    agent = logged_in(people["agent"])
    listing = agent.get(reverse("cases:list")).content.decode()
    assert case.reference in listing

    page = post_step(agent, case, "accept", "Complete request, in scope.").content.decode()
    assert "Accepted at triage" in page
    post_step(agent, case, "start_investigation")
    page = agent.post(
        reverse("cases:propose", args=[case.reference]),
        {
            "rationale": "Threats on three wikis.",
            "details": "Indefinite.",
            "why_no_warning": "Threats of harm: no time to warn.",
        },
        follow=True,
    ).content.decode()
    assert "Action proposed" in page
    post_step(agent, case, "submit_for_review")

    for who in ("reviewer1", "reviewer2", "counsel"):
        reviewer = logged_in(people[who])
        page = reviewer.post(
            reverse("cases:review", args=[case.reference]),
            {"decision": "approve", "comment": f"ok from {who}"},
            follow=True,
        ).content.decode()
    case.refresh_from_db()
    assert case.state == "approved"
    assert "Approved by 3 of 3 needed." in page
    timeline = page[page.index('id="timeline"') :]
    assert "case.accept" in timeline
    assert "received → accepted" in timeline
    assert "by agent" in timeline
    assert "Complete request, in scope." in timeline
    assert "by counsel" in timeline
    assert "in_review → approved" in timeline


def test_a_refused_step_shows_why_and_changes_nothing(people, open_case):
    case = open_case("global_ban")
    before = db_snapshot()
    response = logged_in(people["agent"]).post(
        reverse("cases:transition", args=[case.reference, "submit_for_review"]), {"reason": ""}
    )
    assert response.status_code == 409
    assert b"Cannot submit for review: the case is received" in response.content
    response = logged_in(people["agent"]).post(
        reverse("cases:transition", args=[case.reference, "defer"]), {"reason": ""}
    )
    assert response.status_code == 400
    assert b"Defer to community needs a reason" in response.content
    assert db_snapshot() == before


def test_buttons_match_what_the_person_may_do(people, case_in_review):
    case = case_in_review("global_ban")
    url = reverse("cases:detail", args=[case.reference])
    reviewer_page = logged_in(people["reviewer1"]).get(url).content.decode()
    assert "Record review" in reviewer_page
    assert "Withdraw proposal" not in reviewer_page
    proposer_page = logged_in(people["agent"]).get(url).content.decode()
    assert "Record review" not in proposer_page  # the proposer cannot review
    assert "Withdraw proposal" in proposer_page
    auditor_page = logged_in(people["auditor"]).get(url).content.decode()
    assert "Nothing for you to do on this case now." in auditor_page


def test_htmx_requests_get_the_case_panel_only(people, open_case):
    case = open_case()
    response = logged_in(people["agent"]).post(
        reverse("cases:transition", args=[case.reference, "accept"]),
        {"reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="case-panel">')
    assert "Accepted at triage" in body
    assert "<html" not in body


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_free_text_is_shown_escaped(people, open_case, text):
    case = open_case()
    client = logged_in(people["agent"])
    post_step(client, case, "decline_request", text)
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert text not in page
    assert "&lt;" in page
