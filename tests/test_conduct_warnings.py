"""Conduct warnings: drafted from the template, reviewed by two relevant staff, issued to the
person by email, seen only by the staff on the case, and shown in the person's later cases."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from officeactions.audit.models import AuditEntry
from officeactions.cases import selectors, services
from officeactions.cases.models import Case
from officeactions.errors import InvalidInput, NotPermitted, StepRefused
from officeactions.policy.workflow import CaseState
from officeactions.sanctions import services as sanctions
from officeactions.sanctions.models import ConductWarning
from tests.helpers import db_snapshot, sign_in, walk

CONDUCT = "Calling other editors CONFIDENTIAL-INSULT on three talk pages."
EXPECTED = "Comment on content, not on contributors."


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def person(people):
    return services.subject_create(
        actor=people["agent"], display_name="Warned Person", accounts=[("enwiki", "Warned")]
    )


@pytest.fixture
def warning_case(people, person):
    """A conduct warning under investigation; reviewer1 and agent2 are on it besides agent."""
    agent = people["agent"]
    case = services.case_open(
        actor=agent, kind="conduct_warning", title="Talk page attacks", subject=person
    )
    for who in ("reviewer1", "agent2"):
        services.case_assign(case=case, actor=agent, user=people[who])
    return walk(case, (agent, "accept"), (agent, "start_investigation"))


def draft(case, actor, **changes):
    values = {
        "recipient_email": "warned@example.org",
        "conduct": CONDUCT,
        "expectations": EXPECTED,
        "rationale": "Three reports; a warning should de-escalate.",
        **changes,
    }
    return sanctions.conduct_warning_draft(case=case, actor=actor, **values)


def issued(people, case, capture):
    draft(case, people["agent"])
    walk(case, (people["agent"], "submit_for_review"))
    for who in ("reviewer1", "agent2"):
        services.review_submit(case=case, actor=people[who], decision="approve")
    with capture(execute=True):
        sanctions.conduct_warning_issue(case=case, actor=people["agent"])
    case.refresh_from_db()
    return case


def test_the_draft_comes_from_the_template_in_the_policys_words(people, warning_case):
    warning = draft(warning_case, people["agent"])
    warning_case.refresh_from_db()
    assert warning_case.state == CaseState.ACTION_PROPOSED
    assert warning.text.startswith("A confidential conduct warning from the Wikimedia Foundation")
    assert "Dear Warned Person," in warning.text
    assert CONDUCT in warning.text and EXPECTED in warning.text
    assert "behavior you may consider acceptable is\nin fact not" in warning.text
    assert "review by multiple relevant" in warning.text
    assert warning_case.reference in warning.text
    # The audit trail says a draft exists, never its words or addressee.
    for entry in AuditEntry.objects.filter(case=warning_case):
        assert "CONFIDENTIAL-INSULT" not in str(entry.data) + entry.reason
        assert "warned@example.org" not in str(entry.data)


def test_two_distinct_relevant_staff_approve_then_it_is_emailed_confidentially(
    people, warning_case, django_capture_on_commit_callbacks
):
    agent = people["agent"]
    draft(warning_case, agent)
    walk(warning_case, (agent, "submit_for_review"))
    with pytest.raises(StepRefused, match="Cannot issue the warning: the case is in review"):
        sanctions.conduct_warning_issue(case=warning_case, actor=agent)
    with pytest.raises(NotPermitted, match="proposer of an action cannot review it"):
        services.review_submit(case=warning_case, actor=agent, decision="approve")
    services.review_submit(case=warning_case, actor=people["reviewer1"], decision="approve")
    warning_case.refresh_from_db()
    assert warning_case.state == CaseState.IN_REVIEW  # one approval is not enough
    services.review_submit(case=warning_case, actor=people["agent2"], decision="approve")
    warning_case.refresh_from_db()
    assert warning_case.state == CaseState.APPROVED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sanctions.conduct_warning_issue(case=warning_case, actor=agent)
    (message,) = mail.outbox
    assert message.to == ["warned@example.org"]
    assert message.subject.startswith("A confidential conduct warning")
    assert CONDUCT in message.body
    warning_case.refresh_from_db()
    assert warning_case.state == CaseState.IN_EFFECT
    assert warning_case.conduct_warning.issued_by == agent
    with pytest.raises(StepRefused, match="Cannot issue the warning"):
        sanctions.conduct_warning_issue(case=warning_case, actor=agent)


def test_a_warning_is_not_proposed_without_its_template(people, warning_case):
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="drafting it from its template"):
        services.proposal_create(case=warning_case, actor=people["agent"], rationale="x")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"recipient_email": "not-an-address"}, "is not an email address"),
        ({"conduct": "  "}, "Describe the conduct"),
        ({"expectations": ""}, "corrective measures"),
        ({"rationale": ""}, "needs a rationale"),
    ],
)
def test_bad_drafts_are_refused_and_store_nothing(people, warning_case, changes, message):
    before = db_snapshot()
    with pytest.raises(InvalidInput, match=message):
        draft(warning_case, people["agent"], **changes)
    assert db_snapshot() == before
    assert not ConductWarning.objects.exists()


def test_only_the_owning_team_drafts_and_only_from_investigation(people, warning_case, open_case):
    with pytest.raises(NotPermitted, match="needs the role of trust & safety staff"):
        draft(warning_case, people["reviewer1"])
    with pytest.raises(StepRefused, match="not drafted from a warning template"):
        draft(open_case("global_ban"), people["agent"])


def test_the_api_drafts_and_issues_with_clear_400s(
    people, warning_case, django_capture_on_commit_callbacks
):
    api = api_for(people["agent"])
    url = f"/api/cases/{warning_case.reference}/conduct-warning/"
    bad = api.post(url, {"conduct": CONDUCT}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["extra"]["fields"]) == {"recipient_email", "expectations", "rationale"}
    bad = api.post(
        url,
        {"recipient_email": "x", "conduct": CONDUCT, "expectations": EXPECTED, "rationale": "r"},
        format="json",
    )
    assert bad.status_code == 400 and "not an email address" in bad.json()["message"]
    good = api.post(
        url,
        {
            "recipient_email": "warned@example.org",
            "conduct": CONDUCT,
            "expectations": EXPECTED,
            "rationale": "Reports.",
        },
        format="json",
    )
    assert good.status_code == 201
    body = good.json()
    assert body["state"] == "action_proposed"
    assert CONDUCT in body["conduct_warning"]["text"]
    too_soon = api.post(f"{url}issue/")
    assert too_soon.status_code == 409
    api.post(f"/api/cases/{warning_case.reference}/steps/", {"step": "submit_for_review"})
    for who in ("reviewer1", "agent2"):
        r = api_for(people[who]).post(
            f"/api/cases/{warning_case.reference}/reviews/", {"decision": "approve"}
        )
        assert r.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(f"{url}issue/")
    assert done.status_code == 200
    assert done.json()["state"] == "in_effect"
    assert done.json()["conduct_warning"]["issued_at"]
    assert mail.outbox[-1].to == ["warned@example.org"]


def test_only_the_staff_on_the_case_see_the_warning(
    people, warning_case, client, django_capture_on_commit_callbacks
):
    issued(people, warning_case, django_capture_on_commit_callbacks)
    for who in ("agent", "reviewer1", "agent2"):
        sign_in(client, people[who])
        page = client.get(reverse("cases:detail", args=[warning_case.reference]))
        assert page.status_code == 200 and CONDUCT in page.content.decode()
    for who in ("reviewer2", "counsel", "auditor", "designee", "crc", "steward", "outsider"):
        sign_in(client, people[who])
        page = client.get(reverse("cases:detail", args=[warning_case.reference]))
        assert page.status_code == 404, who
        assert CONDUCT not in page.content.decode()
        response = api_for(people[who]).get(f"/api/cases/{warning_case.reference}/")
        assert response.status_code in (403, 404), who
        assert CONDUCT not in response.content.decode()


def test_a_later_case_shows_the_warning_in_its_history_to_those_who_may_see_it(
    people, person, warning_case, client, django_capture_on_commit_callbacks
):
    issued(people, warning_case, django_capture_on_commit_callbacks)
    ban = services.case_open(
        actor=people["agent2"], kind="global_ban", title="Attacks went on", subject=person
    )
    assert selectors.warning_history(ban, people["agent2"]) == [warning_case]
    assert selectors.warning_history(ban, people["reviewer2"]) == []  # not on the warning
    sign_in(client, people["agent2"])
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert warning_case.reference in page and "Talk page attacks" in page
    sign_in(client, people["reviewer2"])
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert warning_case.reference not in page
    assert "None on record that you can see." in page
    history = api_for(people["agent2"]).get(f"/api/cases/{ban.reference}/").json()
    assert [h["reference"] for h in history["warning_history"]] == [warning_case.reference]
    assert (
        api_for(people["reviewer2"]).get(f"/api/cases/{ban.reference}/").json()["warning_history"]
        == []
    )
    # With a warning on record the ban is not direct: no reason for the lack of one is asked.
    walk(ban, (people["agent2"], "accept"), (people["agent2"], "start_investigation"))
    services.proposal_create(case=ban, actor=people["agent2"], rationale="Warned; went on.")


def test_history_is_newest_first_and_ignores_unissued_warnings(people, person, warning_case):
    older = services.case_open(
        actor=people["agent"], kind="event_ban", title="Older event ban", subject=person
    )
    Case.objects.filter(pk=older.pk).update(state=CaseState.IN_EFFECT)  # decided long ago
    older.refresh_from_db()
    draft(warning_case, people["agent"])  # proposed, never issued: not a warning yet
    ban = services.case_open(actor=people["agent"], kind="global_ban", title="B", subject=person)
    assert selectors.warning_history(ban, people["agent"]) == [older]
    newer = services.case_open(
        actor=people["agent"], kind="event_ban", title="Newer event ban", subject=person
    )
    Case.objects.filter(pk=newer.pk).update(state=CaseState.APPROVED)
    newer.refresh_from_db()
    assert selectors.warning_history(ban, people["agent"]) == [newer, older]


def test_a_direct_ban_without_the_reason_is_refused_everywhere(people, person, client):
    agent = people["agent"]
    ban = services.case_open(actor=agent, kind="global_ban", title="Direct", subject=person)
    walk(ban, (agent, "accept"), (agent, "start_investigation"))
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="direct ban must record why"):
        services.proposal_create(case=ban, actor=agent, rationale="Severe.")
    assert db_snapshot() == before
    r = api_for(agent).post(
        f"/api/cases/{ban.reference}/proposal/", {"rationale": "Severe."}, format="json"
    )
    assert r.status_code == 400 and "why it was not practical" in r.json()["message"]
    sign_in(client, agent)
    page = client.post(reverse("cases:propose", args=[ban.reference]), {"rationale": "Severe."})
    assert page.status_code == 400 and "why it was not practical" in page.content.decode()
    page = client.post(
        reverse("cases:propose", args=[ban.reference]),
        {"rationale": "Severe.", "why_no_warning": "Credible threat of violence."},
    )
    assert page.status_code == 302
    ban.refresh_from_db()
    assert ban.state == CaseState.ACTION_PROPOSED
    assert ban.proposals.get().terms["why_no_warning"] == "Credible threat of violence."


def test_a_later_case_is_opened_on_the_same_person_only_if_seen(
    people, person, warning_case, open_case
):
    api = api_for(people["agent"])
    r = api.post(
        "/api/cases/",
        {"kind": "global_ban", "title": "Same person", "subject_id": person.pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["subject_id"] == person.pk
    hidden = services.subject_create(actor=people["designee"], display_name="Hidden")
    open_case("child_protection", subject=hidden)
    r = api.post(
        "/api/cases/", {"kind": "global_ban", "title": "x", "subject_id": hidden.pk}, format="json"
    )
    assert r.status_code == 404
    r = api.post(
        "/api/cases/",
        {
            "kind": "global_ban",
            "title": "x",
            "subject_id": person.pk,
            "subject": {"display_name": "y"},
        },
        format="json",
    )
    assert r.status_code == 400


def test_staff_draft_and_issue_through_the_pages(
    people, person, warning_case, client, django_capture_on_commit_callbacks
):
    sign_in(client, people["agent"])
    url = reverse("cases:warning-draft", args=[warning_case.reference])
    bad = client.post(url, {"recipient_email": "nope", "conduct": CONDUCT, "expectations": "x"})
    assert bad.status_code == 400  # the form names what is missing; nothing is stored
    assert not ConductWarning.objects.exists()
    bad = client.post(
        url,
        {"recipient_email": "nope", "conduct": CONDUCT, "expectations": "x", "rationale": "r"},
    )
    assert bad.status_code == 400 and "is not an email address" in bad.content.decode()
    r = client.post(
        url,
        {
            "recipient_email": "warned@example.org",
            "conduct": CONDUCT,
            "expectations": EXPECTED,
            "rationale": "Reports.",
        },
    )
    assert r.status_code == 302
    page = client.get(reverse("cases:detail", args=[warning_case.reference])).content.decode()
    assert "Dear Warned Person," in page and "not issued" in page
    assert "Propose: draft the warning from the template" not in page  # already proposed
    walk(warning_case, (people["agent"], "submit_for_review"))
    for who in ("reviewer1", "agent2"):
        services.review_submit(case=warning_case, actor=people[who], decision="approve")
    page = client.get(reverse("cases:detail", args=[warning_case.reference])).content.decode()
    assert "Issue: email it to the person, confidentially" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("cases:warning-issue", args=[warning_case.reference]))
    assert r.status_code == 302
    assert mail.outbox[-1].to == ["warned@example.org"]
    page = client.get(reverse("cases:detail", args=[warning_case.reference])).content.decode()
    assert "In effect" in page and "issued" in page
    again = client.post(reverse("cases:warning-issue", args=[warning_case.reference]))
    assert again.status_code == 409


def test_a_new_case_on_a_person_on_record_through_the_page(people, person, warning_case, client):
    sign_in(client, people["agent"])
    r = client.post(
        reverse("cases:new"),
        {"kind": "global_ban", "title": "Went on", "subject_id": person.pk},
    )
    assert r.status_code == 302
    ban = person.cases.get(kind="global_ban")
    page = client.get(reverse("cases:detail", args=[ban.reference])).content.decode()
    assert f"person #{person.pk}" in page
    # A person on no case this user can see (here: nobody at all) is not found.
    r = client.post(
        reverse("cases:new"), {"kind": "global_ban", "title": "x", "subject_id": 999999}
    )
    assert r.status_code == 404


def test_an_issued_warning_offers_no_report_against_a_ban(
    people, warning_case, client, django_capture_on_commit_callbacks
):
    """Reports of sockpuppets and proxies attach to a ban carried out on the wikis; a warning in
    effect (nothing done on a wiki) shows neither their forms nor the step to add accounts."""
    issued(people, warning_case, django_capture_on_commit_callbacks)
    assert Case.objects.get(pk=warning_case.pk).state == CaseState.IN_EFFECT
    sign_in(client, people["agent"])
    page = client.get(reverse("cases:detail", args=[warning_case.reference])).content.decode()
    assert 'id="conduct-warning"' in page
    assert "Record a breach report" not in page
    assert "Report a proxy, or interference" not in page
    assert 'id="ban-reports-section"' not in page
