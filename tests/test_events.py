"""Event bans end to end: the scope on the case, events, organisers' time-limited and audited
access to the event ban list, the check-in lookup, photographs, and the appeal path."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from officeactions.audit.models import AuditEntry
from officeactions.cases import services as cases
from officeactions.errors import InvalidInput, StepRefused
from officeactions.events import services
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.events.organisers import (
    event_create,
    organiser_designate,
    organiser_revoke,
    organiser_token,
)
from officeactions.events.services import today
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from tests.helpers import approved, make_user, sign_in, walk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def organisers(people):
    return {
        "organiser": people["organiser"],
        "organiser2": make_user("organiser2", [Role.EVENT_ORGANISER]),
    }


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def ban(people):
    """An event ban taken all the way to in effect, with the scope given."""

    def make(listed_name="Mallory Example", issue=True, **terms):
        agent = people["agent"]
        case = cases.case_open(actor=agent, kind="event_ban", title=f"Event ban {listed_name}")
        walk(case, (agent, "accept"), (agent, "start_investigation"))
        services.event_ban_scope_record(case=case, actor=agent, listed_name=listed_name, **terms)
        cases.proposal_create(case=case, actor=agent, rationale="Harassment at two meetups.")
        walk(case, (agent, "submit_for_review"))
        for who in ("reviewer1", "reviewer2"):
            cases.review_submit(case=case, actor=people[who], decision="approve")
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED
        if issue:
            case = services.event_ban_issue(case=case, actor=agent)
        return case

    return make


@pytest.fixture
def event(people):
    start = today() + timedelta(days=30)
    return event_create(
        actor=people["agent"],
        name="WikiCon Katowice",
        country="pl",
        city="Katowice",
        projects="Wikipedia, MediaWiki",
        starts_on=start,
        ends_on=start + timedelta(days=2),
    )


@pytest.fixture
def other_event(people):
    start = today() + timedelta(days=60)
    return event_create(
        actor=people["agent"],
        name="Hackathon Berlin",
        country="DE",
        city="Berlin",
        projects=["MediaWiki"],
        starts_on=start,
        ends_on=start + timedelta(days=1),
    )


@pytest.fixture
def designated(people, organisers, event, other_event):
    """organiser for `event`, organiser2 for `other_event`; each with their link's token."""
    mine = organiser_designate(
        event=event, actor=people["agent"], organiser=organisers["organiser"]
    )
    theirs = organiser_designate(
        event=other_event, actor=people["agent"], organiser=organisers["organiser2"]
    )
    return {"mine": mine, "theirs": theirs}


def list_url(designation) -> str:
    return f"/events/list/{organiser_token(designation)}/"


# -- the scope on the case ----------------------------------------------------------------------


def test_staff_record_the_scope_and_the_case_page_shows_it_with_the_appeal_path(
    people, client, open_case
):
    case = open_case("event_ban")
    walk(case, (people["agent"], "accept"))
    sign_in(client, people["agent"])
    response = client.post(
        f"/events/cases/{case.reference}/scope/",
        {
            "listed_name": "mallory_example",
            "other_names": "Mal\nM. Example",
            "country": "pl",
            "city": "Katowice",
            "projects": "MediaWiki, enwiki",
            "global_ban": "none",
        },
    )
    assert response.status_code == 302
    scope = EventBanScope.objects.get(case=case)
    assert scope.listed_name == "Mallory example"  # MediaWiki's normal form
    assert scope.country == "PL" and scope.projects == ["MediaWiki", "enwiki"]
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Events in Katowice, PL, for MediaWiki, enwiki" in page
    assert "may be appealed to" in page and "ca@wikimedia.org" in page
    entry = AuditEntry.objects.filter(case=case, action="event_ban.scope_recorded").get()
    assert "Mallory" not in str(entry.data)  # the scope is logged, not the person


def test_the_api_records_and_reads_the_scope(people, open_case):
    case = open_case("event_ban")
    walk(case, (people["agent"], "accept"))
    url = f"/api/cases/{case.reference}/event-ban/"
    response = api(people["agent"]).put(
        url,
        {"listed_name": "Mallory", "until": "2030-01-01", "projects": ["dewiki"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["until"] == "2030-01-01"
    assert body["appeal_open"] is False and "ends on 2030-01-01" in body["appeal_refusal"]
    assert api(people["reviewer1"]).get(url).json()["scope"]["listed_name"] == "Mallory"
    assert api(people["outsider"]).get(url).status_code == 404
    assert api(people["organiser"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"listed_name": "Mallory", "city": "Paris"}, "A city needs its country"),
        ({"listed_name": "Mallory", "country": "France"}, "country"),
        ({"listed_name": "Mallory", "country": "FR1"}, "country"),
        (
            {"listed_name": "Mallory", "starts_on": "2027-01-02", "until": "2027-01-01"},
            "cannot end",
        ),
        ({"listed_name": "Mallory", "global_ban": "part_of", "country": "DE"}, "part of a global"),
        ({"listed_name": "Mal#lory"}, "cannot contain"),
        ({"listed_name": "   "}, "may not be blank"),
        ({"listed_name": "Mallory", "global_ban": "sometimes"}, "invalid fields"),
        ({"listed_name": "Mallory", "until": "next year"}, "invalid fields"),
        ({"listed_name": "Mallory", "global_ban_reference": "OA-NONE-XXXX"}, "No case"),
    ],
)
def test_bad_scopes_are_refused_with_the_reason_and_nothing_is_stored(
    people, open_case, body, message
):
    case = open_case("event_ban")
    walk(case, (people["agent"], "accept"))
    before = AuditEntry.objects.count()
    response = api(people["agent"]).put(
        f"/api/cases/{case.reference}/event-ban/", body, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json())
    assert not EventBanScope.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_global_ban_link_must_name_a_global_ban_and_agree_with_the_relation(people, open_case):
    ban_case = open_case("event_ban")
    other = open_case("event_ban")
    walk(ban_case, (people["agent"], "accept"))
    global_ban = open_case("global_ban")
    with pytest.raises(InvalidInput, match="not a global ban"):
        services.event_ban_scope_record(
            case=ban_case,
            actor=people["agent"],
            listed_name="M",
            global_ban="led_to",
            global_ban_reference=other.reference,
        )
    with pytest.raises(InvalidInput, match="not linked to a global ban"):
        services.event_ban_scope_record(
            case=ban_case,
            actor=people["agent"],
            listed_name="M",
            global_ban_reference=global_ban.reference,
        )
    scope = services.event_ban_scope_record(
        case=ban_case,
        actor=people["agent"],
        listed_name="M",
        global_ban="led_to",
        global_ban_reference=global_ban.reference,
    )
    assert scope.global_ban_case == global_ban
    assert "led to a global ban" in services.event_ban_appeal_refusal(ban_case)


def test_the_scope_is_fixed_once_the_case_is_in_review(people, ban):
    case = ban(issue=False)
    with pytest.raises(StepRefused, match="cannot change now"):
        services.event_ban_scope_record(case=case, actor=people["agent"], listed_name="Other")
    assert EventBanScope.objects.get(case=case).listed_name == "Mallory Example"


def test_only_the_owning_team_records_a_scope_and_only_on_event_bans(people, open_case):
    case = open_case("event_ban")
    with pytest.raises(Exception, match="trust & safety staff"):
        services.event_ban_scope_record(case=case, actor=people["reviewer1"], listed_name="M")
    global_ban = open_case("global_ban")
    response = api(people["agent"]).put(
        f"/api/cases/{global_ban.reference}/event-ban/", {"listed_name": "M"}, format="json"
    )
    assert response.status_code == 404


def test_an_event_ban_takes_effect_only_once_approved_and_with_its_scope(people, open_case):
    case = open_case("event_ban")
    response = api(people["agent"]).post(f"/api/cases/{case.reference}/event-ban/issue/")
    assert response.status_code == 409
    assert "only possible when it is approved" in response.json()["message"]
    approved_case = approved(people, "event_ban")  # approved without a recorded scope
    with pytest.raises(StepRefused, match="scope recorded"):
        services.event_ban_issue(case=approved_case, actor=people["agent"])


def test_putting_it_in_effect_is_a_step_on_the_case_page(people, ban, client):
    case = ban(issue=False)
    sign_in(client, people["agent"])
    assert "Put the event ban in effect" in client.get(f"/cases/{case.reference}/").content.decode()
    response = client.post(f"/events/cases/{case.reference}/issue/", {"reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_EFFECT
    assert AuditEntry.objects.filter(case=case, action="case.issue_event_ban").exists()


# -- appeals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ({}, None),
        ({"until": today() + timedelta(days=400)}, "only an event ban with no expiry"),
        ({"irrevocable": True}, "irrevocable"),
        ({"global_ban": "part_of"}, "part of a global ban"),
        ({"global_ban": "led_to", "country": "DE"}, "led to a global ban"),
    ],
)
def test_event_ban_appeal_refusal(ban, terms, expected, people, client):
    case = ban(**terms)
    reason = services.event_ban_appeal_refusal(case)
    sign_in(client, people["agent"])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    if expected is None:
        assert reason is None
        assert "may be appealed to" in page
    else:
        assert expected in reason
        assert "Appeal:</strong>\n      not open" in page


def test_appeal_refusal_of_a_case_that_is_not_an_event_ban(open_case, people):
    assert "not an event ban" in services.event_ban_appeal_refusal(open_case("global_ban"))
    assert "No event ban scope" in services.event_ban_appeal_refusal(open_case("event_ban"))


# -- events and organisers ----------------------------------------------------------------------


def test_staff_create_an_event_on_the_page(people, client):
    sign_in(client, people["agent"])
    response = client.post(
        "/events/",
        {
            "name": "Edit-a-thon",
            "city": "Recife",
            "country": "br",
            "projects": "ptwiki",
            "starts_on": "2030-03-01",
            "ends_on": "2030-03-01",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.country, event.projects) == ("BR", ["ptwiki"])
    assert "Edit-a-thon" in client.get("/events/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2030-02-28"}, "cannot end"),
        ({"projects": []}, "at least one project"),
        ({"projects": [" "]}, "invalid fields"),
        ({"country": "Brazil"}, "invalid fields"),
        ({"country": "B1"}, "not a country code"),
        ({"starts_on": "soon"}, "invalid fields"),
    ],
)
def test_bad_events_are_refused(people, changes, message):
    body = {
        "name": "Edit-a-thon",
        "city": "Recife",
        "country": "BR",
        "projects": ["ptwiki"],
        "starts_on": "2030-03-01",
        "ends_on": "2030-03-01",
        **changes,
    }
    response = api(people["agent"]).post("/api/events/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert not Event.objects.exists()


def test_only_trust_and_safety_staff_see_and_manage_events(people, event, organisers):
    for who in ("counsel", "auditor", "organiser", "outsider"):
        assert api(people[who]).get(f"/api/events/{event.pk}/").status_code == 404
        response = api(people[who]).post(
            f"/api/events/{event.pk}/organisers/", {"username": "organiser"}, format="json"
        )
        assert response.status_code == 404
    assert not OrganiserDesignation.objects.exists()


def test_designation_needs_the_organiser_role_and_a_period_not_over(people, event):
    client = api(people["agent"])
    url = f"/api/events/{event.pk}/organisers/"
    for body, message in [
        ({"username": "steward"}, "does not hold the role"),
        ({"username": "nobody"}, "No user named"),
        ({"username": "organiser", "valid_until": "2001-01-01"}, "cannot end before"),
        (
            {"username": "organiser", "valid_from": "2001-01-01", "valid_until": "2001-01-02"},
            "already over",
        ),
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, body
        assert message in response.json()["message"]
    assert not OrganiserDesignation.objects.exists()


def test_the_designated_organiser_gets_a_link_by_email_and_on_their_page(
    people, event, client, mailoutbox, django_capture_on_commit_callbacks
):
    people["organiser"].email = "org@example.org"
    people["organiser"].save()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(people["agent"]).post(
            f"/api/events/{event.pk}/organisers/", {"username": "organiser"}, format="json"
        )
    assert response.status_code == 201
    link = response.json()["link"]
    designation = OrganiserDesignation.objects.get()
    token = organiser_token(designation)
    assert link.endswith(f"/events/list/{token}/") and len(token) >= 64
    assert token not in designation.token_hash  # only a hash is stored
    assert designation.valid_until == event.ends_on
    assert [m.to for m in mailoutbox] == [["org@example.org"]] and link in mailoutbox[0].body
    sign_in(client, people["organiser"])
    assert link in client.get("/events/mine/").content.decode()


# -- who may open the list ----------------------------------------------------------------------


def test_the_right_organiser_in_the_period_sees_the_list_and_each_view_is_audited(
    people, designated, organisers, client, ban, event
):
    ban()
    sign_in(client, organisers["organiser"])
    url = list_url(designated["mine"])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "Mallory Example" in response.content.decode()
    views = AuditEntry.objects.filter(action="event_list.view")
    assert views.count() == 2
    assert {(v.actor_name, v.object_id) for v in views} == {("organiser", str(event.pk))}
    token = organiser_token(designated["mine"])
    assert api(organisers["organiser"]).get(f"/api/event-lists/{token}/").status_code == 200
    assert AuditEntry.objects.filter(action="event_list.view").count() == 3
    # Staff see each view on the event's page.
    sign_in(client, people["agent"])
    activity = client.get(f"/events/{event.pk}/").content.decode().split('id="activity"')[1]
    assert activity.count("event_list.view") == 3


def _expire(designation):
    OrganiserDesignation.objects.filter(pk=designation.pk).update(
        valid_from=today() - timedelta(days=10), valid_until=today() - timedelta(days=1)
    )


def _not_yet(designation):
    OrganiserDesignation.objects.filter(pk=designation.pk).update(
        valid_from=today() + timedelta(days=1)
    )


def _revoke(designation):
    organiser_revoke(
        designation=designation, actor=designation.designated_by, reason="Left the team."
    )


def _no_role(designation):
    from officeactions.accounts.roles import role_revoke

    role_revoke(user=designation.organiser, role=Role.EVENT_ORGANISER)


@pytest.mark.parametrize(
    ("who", "whose_link", "change"),
    [
        ("organiser2", "mine", None),  # another event's organiser, this event's link
        ("organiser", "theirs", None),  # this organiser, another event's link
        ("organiser", "mine", _expire),
        ("organiser", "mine", _not_yet),
        ("organiser", "mine", _revoke),
        ("organiser", "mine", _no_role),
        (None, "mine", None),  # not signed in
        ("agent", "mine", None),  # staff, even of the owning team
        ("counsel", "mine", None),
        ("auditor", "mine", None),
        ("outsider", "mine", None),
    ],
)
def test_nobody_else_opens_the_list(people, organisers, designated, ban, who, whose_link, change):
    ban()
    designation = designated[whose_link]
    if change:
        change(designation)
    user = (people | organisers)[who] if who else None
    token = organiser_token(designation)
    before = AuditEntry.objects.filter(action__startswith="event_list.").count()
    from django.test import Client

    client = Client()
    if user:
        sign_in(client, user)
    page = client.get(f"/events/list/{token}/")
    assert page.status_code == 404
    assert "Mallory" not in page.content.decode()
    assert (
        client.post(f"/events/list/{token}/check-in/", {"name": "Mallory Example"}).status_code
        == 404
    )
    assert api(user).get(f"/api/event-lists/{token}/").status_code == 404
    response = api(user).post(
        f"/api/event-lists/{token}/check-in/", {"name": "Mallory Example"}, format="json"
    )
    assert response.status_code == 404
    assert "Mallory" not in response.content.decode()
    assert AuditEntry.objects.filter(action__startswith="event_list.").count() == before


def test_a_made_up_link_is_a_404(organisers, client):
    sign_in(client, organisers["organiser"])
    assert client.get("/events/list/" + "a" * 64 + "/").status_code == 404


def test_revoking_needs_a_reason_and_happens_once(people, designated):
    client = api(people["agent"])
    d = designated["mine"]
    url = f"/api/events/{d.event_id}/organisers/{d.pk}/revoke/"
    assert client.post(url, {"reason": ""}, format="json").status_code == 400
    assert client.post(url, {"reason": "Conflict of interest."}, format="json").status_code == 200
    second = client.post(url, {"reason": "Again."}, format="json")
    assert second.status_code == 409
    entry = AuditEntry.objects.get(action="event.organiser_revoked")
    assert entry.reason == "Conflict of interest." and entry.actor_name == "agent"


def test_revoking_on_the_event_page(people, designated, client):
    sign_in(client, people["agent"])
    d = designated["mine"]
    response = client.post(f"/events/{d.event_id}/organisers/{d.pk}/revoke/", {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        f"/events/{d.event_id}/organisers/{d.pk}/revoke/", {"reason": "Event cancelled."}
    )
    assert response.status_code == 302
    page = client.get(f"/events/{d.event_id}/").content.decode()
    assert "revoked" in page and "Event cancelled." in page


# -- what is on the list --------------------------------------------------------------------------


def test_the_list_holds_only_bans_in_effect_whose_scope_covers_the_event(
    people, designated, organisers, ban, event
):
    ban("Covered Person", country="PL", projects=["MediaWiki"])
    ban("Other Country", country="DE")
    ban("Other Project", projects=["Wikidata"])
    ban("Ended Before", until=event.starts_on - timedelta(days=1))
    ban("Starts After", starts_on=event.ends_on + timedelta(days=1))
    ban("Not Yet In Effect", issue=False)
    lifted = ban("Lifted Ban")
    from officeactions.enforcement.services import case_lift

    case_lift(case=lifted, actor=people["agent"], reason="Served its purpose.")
    # A global ban in effect bans from every event (the policy's implicit ban).
    subject = cases.subject_create(
        actor=people["agent"], display_name="Globally Banned", accounts=[("enwiki", "GB_sock")]
    )
    global_ban = approved(people, "global_ban", subject=subject)

    from officeactions.cases.models import Case

    Case.objects.filter(pk=global_ban.pk).update(state=CaseState.IN_EFFECT)
    body = (
        api(organisers["organiser"])
        .get(f"/api/event-lists/{organiser_token(designated['mine'])}/")
        .json()
    )
    names = {e["name"]: e for e in body["entries"]}
    assert set(names) == {"Covered Person", "Globally Banned"}
    assert names["Globally Banned"]["basis"] == "global ban"
    assert "GB_sock" in names["Globally Banned"]["other_names"]
    assert "case" not in str(body).lower()  # no case references or reasons for organisers


def test_check_in_answers_yes_with_the_entry_and_no_for_bans_outside_the_scope(
    designated, organisers, ban
):
    ban("Mallory Example", other_names=["Mal_E"], identifying_details="Tall; red scarf.")
    ban("Elsewhere Person", country="DE")
    token = organiser_token(designated["mine"])
    client = api(organisers["organiser"])
    url = f"/api/event-lists/{token}/check-in/"
    yes = client.post(url, {"name": "mallory  example"}, format="json").json()
    assert yes["banned"] is True
    assert yes["entry"]["name"] == "Mallory Example"
    assert yes["entry"]["identifying_details"] == "Tall; red scarf."
    assert client.post(url, {"name": "mal e"}, format="json").json()["banned"] is True
    no = client.post(url, {"name": "Elsewhere_Person"}, format="json")
    assert no.json() == {"name": "Elsewhere Person", "banned": False, "entry": None}
    checks = AuditEntry.objects.filter(action="event_list.check_in").order_by("seq")
    assert [c.data["banned"] for c in checks] == [True, True, False]
    assert checks.last().data["name"] == "Elsewhere Person"


@pytest.mark.parametrize("name", ["", "Bad#name", "x" * 300])
def test_check_in_refuses_bad_names(designated, organisers, name):
    token = organiser_token(designated["mine"])
    response = api(organisers["organiser"]).post(
        f"/api/event-lists/{token}/check-in/", {"name": name}, format="json"
    )
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="event_list.check_in").exists()


def test_check_in_page_answers_through_htmx(designated, organisers, ban, client):
    ban()
    sign_in(client, organisers["organiser"])
    url = list_url(designated["mine"]) + "check-in/"
    yes = client.post(url, {"name": "Mallory_Example"}, headers={"HX-Request": "true"})
    assert yes.status_code == 200
    assert "Yes: Mallory Example is banned from this event." in yes.content.decode()
    assert "<html" not in yes.content.decode()  # a fragment for the page
    no = client.post(url, {"name": "Someone Else"}, headers={"HX-Request": "true"})
    assert "No: Someone Else is not on this event" in no.content.decode()
    bad = client.post(url, {"name": "a|b"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "cannot contain" in bad.content.decode()


# -- photographs ----------------------------------------------------------------------------------


def test_photographs_are_shown_only_through_the_audited_views(
    people, designated, organisers, ban, client, media
):
    case = ban()
    elsewhere = ban("Elsewhere", country="DE")
    sign_in(client, people["agent"])
    for c in (case, elsewhere):
        response = client.post(
            f"/events/cases/{c.reference}/photo/",
            {"photo": SimpleUploadedFile("face.png", PNG, content_type="image/png")},
        )
        assert response.status_code == 302
    scope = EventBanScope.objects.get(case=case)
    assert client.get(f"/events/cases/{case.reference}/photo/view/").status_code == 200
    assert AuditEntry.objects.filter(case=case, action="event_ban.photo_view").count() == 1

    token = organiser_token(designated["mine"])
    sign_in(client, organisers["organiser"])
    response = client.get(f"/events/list/{token}/photos/{scope.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert AuditEntry.objects.filter(case=case, action="event_list.photo_view").count() == 1
    other_scope = EventBanScope.objects.get(case=elsewhere)
    assert client.get(f"/events/list/{token}/photos/{other_scope.pk}/").status_code == 404
    sign_in(client, organisers["organiser2"])
    assert client.get(f"/events/list/{token}/photos/{scope.pk}/").status_code == 404
    sign_in(client, people["outsider"])
    assert client.get(f"/events/cases/{case.reference}/photo/view/").status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"GIF89a" + b"\x00" * 20, "PNG or JPEG"), (PNG * 40, "at most")],
)
def test_photographs_of_the_wrong_type_or_size_are_refused(
    people, ban, media, settings, content, message
):
    settings.OFFICEACTIONS_MAX_PHOTO_BYTES = 1024
    case = ban()
    response = api(people["agent"]).post(
        f"/api/cases/{case.reference}/event-ban/photo/",
        {"photo": SimpleUploadedFile("x.png", content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not EventBanScope.objects.get(case=case).photo


# -- never public -------------------------------------------------------------------------------


def test_event_bans_never_reach_public_pages(ban, client):
    ban(identifying_details="Lives on Example Street.")
    for url in (
        "/transparency/office-actions/",
        "/transparency/office-actions/?format=json",
        "/transparency/global-bans/",
        "/transparency/global-bans/?format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Mallory" not in body and "Example Street" not in body


def test_the_demo_shows_an_event_with_its_organiser_and_a_covering_ban(db, settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.OFFICEACTIONS_WIKI_REGISTRY = str(tmp_path / "none.json")
    out = StringIO()
    call_command("demo", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Event ban list for ken"))
    path = line.split("http://127.0.0.1:8000", 1)[1]
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    sign_in(client, get_user_model().objects.get(username="ken"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Meetup Troublemaker" in page.content.decode()
    again = StringIO()
    call_command("demo", stdout=again)
    assert line in again.getvalue()  # safe to run again; the same link
    assert Event.objects.count() == 1


def test_a_time_limited_ban_expires_after_its_last_day_and_leaves_the_lists(
    people, ban, designated, organisers
):
    from django_tasks_db.models import DBTaskResult

    case = ban(until=today() + timedelta(days=40))  # covers the event, 30 days from now
    queued = DBTaskResult.objects.filter(task_path__endswith="event_ban_expire_task").get()
    assert queued.args_kwargs["args"] == [case.pk]
    assert services.event_ban_expire(case_id=case.pk) == "not yet"
    on = today() + timedelta(days=41)
    assert services.event_ban_expire(case_id=case.pk, on=on) == "expired"
    assert services.event_ban_expire(case_id=case.pk, on=on).startswith("nothing to expire")
    case.refresh_from_db()
    assert case.state == CaseState.EXPIRED
    token = organiser_token(designated["mine"])
    assert api(organisers["organiser"]).get(f"/api/event-lists/{token}/").json()["entries"] == []


def test_bad_scope_on_the_page_is_shown_with_the_reason_and_nothing_stored(
    people, open_case, client
):
    case = open_case("event_ban")
    sign_in(client, people["agent"])
    response = client.post(
        f"/events/cases/{case.reference}/scope/",
        {"listed_name": "Mallory", "city": "Paris", "global_ban": "none"},
    )
    assert response.status_code == 400
    assert "A city needs its country" in response.content.decode()
    response = client.post(
        f"/events/cases/{case.reference}/scope/",
        {"listed_name": "Mallory", "until": "31/12/2030", "global_ban": "none"},
    )
    assert response.status_code == 400
    assert not EventBanScope.objects.exists()
    sign_in(client, people["outsider"])
    response = client.post(
        f"/events/cases/{case.reference}/scope/", {"listed_name": "M", "global_ban": "none"}
    )
    assert response.status_code == 404


def test_the_events_pages_are_for_trust_and_safety_staff(people, event, client):
    sign_in(client, people["organiser"])
    assert client.get("/events/").url == "/events/mine/"
    assert client.get(f"/events/{event.pk}/").status_code == 404
    for who in ("outsider", "counsel"):
        sign_in(client, people[who])
        assert client.get("/events/").status_code == 404
        assert client.get(f"/events/{event.pk}/").status_code == 404
    sign_in(client, people["agent"])
    assert "WikiCon Katowice" in client.get(f"/events/{event.pk}/").content.decode()


def test_the_public_rule_set_publishes_nothing_of_an_event_ban():
    from officeactions.transparency.visibility import public_target

    assert public_target("event_ban", "Mallory Example") is None


def test_the_command_lists_revokes_and_expires(people, designated, ban, capsys):
    from django.core.management import CommandError, call_command

    call_command("events", "list")
    out = capsys.readouterr().out
    assert "WikiCon Katowice" in out and "organiser" in out and "active" in out
    d = designated["mine"]
    with pytest.raises(CommandError, match="needs a reason"):
        call_command("events", "revoke", str(d.pk), "--as", "agent")
    with pytest.raises(CommandError, match="trust & safety staff"):
        call_command("events", "revoke", str(d.pk), "--as", "counsel", "--reason", "x")
    call_command("events", "revoke", str(d.pk), "--as", "agent", "--reason", "Left the team.")
    d.refresh_from_db()
    assert d.revoked_at is not None and d.revoke_reason == "Left the team."
    case = ban(starts_on=today() - timedelta(days=10), until=today() - timedelta(days=1))
    call_command("events", "expire")
    assert "1 event bans expired" in capsys.readouterr().out
    case.refresh_from_db()
    assert case.state == CaseState.EXPIRED


def test_a_new_photograph_replaces_the_old_file(
    people, ban, media, django_capture_on_commit_callbacks
):
    case = ban()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.event_ban_photo_set(
                case=case, actor=people["agent"], photo=SimpleUploadedFile("p.png", PNG)
            )
    files = [p for p in media.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert EventBanScope.objects.get(case=case).photo.path == str(files[0])


def test_check_in_without_htmx_answers_with_a_whole_page(designated, organisers, ban, client):
    ban()
    sign_in(client, organisers["organiser"])
    response = client.post(list_url(designated["mine"]) + "check-in/", {"name": "Nobody Here"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and "No: Nobody Here is not on this event" in body


def test_a_ban_that_later_led_to_a_global_ban_is_no_longer_appealable(people, ban, open_case):
    case = ban()
    assert services.event_ban_appeal_refusal(case) is None
    client = api(people["agent"])
    url = f"/api/cases/{case.reference}/event-ban/global-ban/"
    not_global = client.post(url, {"global_ban_reference": case.reference}, format="json")
    assert not_global.status_code == 400 and "not a global ban" in not_global.json()["message"]
    assert client.post(url, {}, format="json").status_code == 400
    global_ban = open_case("global_ban")
    response = client.post(url, {"global_ban_reference": global_ban.reference}, format="json")
    assert response.status_code == 200
    assert response.json()["appeal_open"] is False
    assert "led to a global ban" in response.json()["appeal_refusal"]
    again = client.post(url, {"global_ban_reference": global_ban.reference}, format="json")
    assert again.status_code == 409
    entry = AuditEntry.objects.get(action="event_ban.led_to_global_ban")
    assert entry.data == {"global_ban": global_ban.reference}


def test_the_case_page_records_that_the_ban_led_to_a_global_ban(people, ban, open_case, client):
    case = ban()
    global_ban = open_case("global_ban")
    sign_in(client, people["agent"])
    assert "It led to a global ban" in client.get(f"/cases/{case.reference}/").content.decode()
    response = client.post(
        f"/events/cases/{case.reference}/led-to-global-ban/",
        {"global_ban_reference": global_ban.reference},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "not open. This event ban led to a global ban: event bans that are part of" in page
    assert "It led to a global ban" not in page


@pytest.mark.parametrize(
    ("terms", "refused"),
    [({}, None), ({"irrevocable": True}, "irrevocable"), ({"global_ban": "led_to"}, "led to")],
)
def test_an_appeal_of_an_event_ban_follows_the_event_ban_rule(ban, people, terms, refused):
    from officeactions.appeals import services as appeals
    from officeactions.cases.models import Case

    case = ban(**terms)
    subject = cases.subject_create(
        actor=people["agent"], display_name="Mallory", accounts=[("enwiki", "Mallory Example")]
    )
    Case.objects.filter(pk=case.pk).update(subject=subject)  # the person the ban is against
    data = {
        "appellant": "subject",
        "case_reference": case.reference,
        "wiki": "enwiki",
        "wiki_username": "Mallory Example",
        "grounds": "I was not at that meetup.",
    }
    if refused:
        with pytest.raises(StepRefused, match=refused):
            appeals.appeal_file(data=data)
    else:
        assert appeals.appeal_file(data=data).appeal.case.pk == case.pk


@pytest.mark.usefixtures("committed_db")  # the index follows committed changes only
def test_the_ban_check_answers_for_an_event_from_its_event_bans(ban, event, other_event, people):
    from officeactions import bancheck
    from officeactions.errors import NotFound

    last_day = event.ends_on + timedelta(days=1)
    case = ban("Mallory Example", country="PL", other_names=["Mal_E"], until=last_day)
    ban("Elsewhere Person", country="DE")
    answer = bancheck.check("mallory_Example", event=event.pk)  # typed as a wiki sends it
    assert answer.banned
    assert [(m.rule.action, m.rule.reference) for m in answer.matches] == [
        ("event_ban", case.reference)
    ]
    assert bancheck.check("Mal E", event=event.pk).banned  # another name on the ban
    assert not bancheck.check("Elsewhere Person", event=event.pk).banned  # not this event
    assert bancheck.check("Elsewhere Person", event=other_event.pk).banned
    assert not bancheck.check("Mallory Example").banned  # an event ban is not a site ban
    with pytest.raises(NotFound, match="Unknown event"):
        bancheck.check("Mallory Example", event=other_event.pk + 1000)
    # Expired after its last day: checks know within the documented bound, without a restart.
    assert services.event_ban_expire(case_id=case.pk, on=last_day + timedelta(days=1)) == "expired"
    deadline = time.monotonic() + 10
    while bancheck.check("Mallory Example", event=event.pk).banned:
        assert time.monotonic() < deadline, "the expiry never reached the ban check"
        time.sleep(0.1)
