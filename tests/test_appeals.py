"""Appeals end to end: filing (public), legal counsel, the review, outcomes, visibility."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from officeactions.appeals import selectors, services
from officeactions.appeals.models import ActionModification, Appeal
from officeactions.audit.models import AuditEntry
from officeactions.cases import services as case_services
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.moves import case_move
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.policy.workflow import TRANSITIONS, CaseState
from tests.helpers import approved, sign_in, walk


def issued(people, kind="global_ban", username="Appellant One", terms=None):
    """An approved action issued to the wikis (the enforce step, without running the worker)."""
    subject = case_services.subject_create(
        actor=people["agent"], display_name="Person", accounts=[("enwiki", username)]
    )
    case = approved(people, kind, subject=subject, terms=terms)
    with transaction.atomic():
        case_move(case, TRANSITIONS["enforce"], people["agent"])
    case.refresh_from_db()
    return case


def file_as_subject(case, username="Appellant One", **changes):
    data = {
        "appellant": "subject",
        "case_reference": case.reference,
        "wiki": "enwiki",
        "wiki_username": username,
        "grounds": "The accounts named are not mine.",
        **changes,
    }
    return services.appeal_file(data=data)


def test_the_person_under_investigation_appeals_and_follows_it_by_a_private_link(people, client):
    case = issued(people)
    filed = file_as_subject(case, username="appellant_One")  # as MediaWiki normalises it
    appeal = filed.appeal
    assert appeal.status == "awaiting_counsel" and appeal.route == "case_review_committee"
    assert appeal.against == "action"
    assert appeal.status_token_hash != filed.token  # only the hash is stored
    page = client.get(reverse("appeals:status", args=[filed.token]))
    assert page.status_code == 200
    assert "waiting for approval before review" in page.content.decode()
    assert case.reference not in page.content.decode()  # plain status words only
    api = client.get(f"/api/public/appeals/{filed.token}/").json()
    assert set(api) == {"reference", "status", "filed_at", "decided"}
    assert client.get(reverse("appeals:status", args=["forged"])).status_code == 404


def test_the_requester_appeals_a_decision_not_to_act_by_their_status_link(people, file_request):
    submission = file_request()
    case = submission.request.case
    agent = people["agent"]
    walk(case, (agent, "decline_request", "Not an office action matter."))
    filed = services.appeal_file(
        data={
            "appellant": "requester",
            "status_token": submission.status_url,  # the whole link works, or the token alone
            "grounds": "The threats were serious.",
        }
    )
    assert filed.appeal.against == "no_action"
    assert filed.appeal.route == "appeals_address"  # not the committee: no office action


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"wiki_username": "Somebody Else"}, NotPermitted, "directly involved"),
        ({"wiki": "dewiki"}, NotPermitted, "directly involved"),
        ({"case_reference": "OA-0000-0000"}, NotPermitted, "directly involved"),
        ({"grounds": "  "}, InvalidInput, "Grounds"),
        ({"appellant": "bystander"}, InvalidInput, "Say who you are"),
        ({"wiki_username": "Bad|name"}, InvalidInput, "cannot contain"),
        ({"contact_email": "not-an-email"}, InvalidInput, "not a valid email"),
    ],
)
def test_appeals_by_uninvolved_people_or_with_bad_input_are_refused(
    people, changes, error, message
):
    case = issued(people)
    before = AuditEntry.objects.count()
    with pytest.raises(error, match=message):
        file_as_subject(case, **changes)
    assert not Appeal.objects.exists() and AuditEntry.objects.count() == before


def test_an_appeal_before_the_end_of_the_investigation_is_refused(people, open_case):
    subject = case_services.subject_create(
        actor=people["agent"], display_name="P", accounts=[("enwiki", "Appellant One")]
    )
    case = open_case(subject=subject)
    with pytest.raises(StepRefused, match="end of the investigation"):
        file_as_subject(case)


def test_a_late_appeal_is_refused_with_the_date_the_window_closed(people, monkeypatch):
    case = issued(people)
    later = timezone.now() + timedelta(days=200)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(StepRefused, match=r"Too late.*window closed on \d{4}-\d\d-\d\d"):
        file_as_subject(case)
    assert not Appeal.objects.exists()


def test_an_extension_does_not_reopen_the_window_and_a_substantial_modification_does(
    people, monkeypatch
):
    case = issued(people)
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=150))
    services.modification_record(
        case=case, actor=people["agent"], kind="extension", description="Extended by 4 months."
    )
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=200))
    with pytest.raises(StepRefused, match="Too late"):
        file_as_subject(case)
    services.modification_record(
        case=case,
        actor=people["agent"],
        kind="substantial_atypical",
        description="Extended to cover in-person events.",
    )
    assert file_as_subject(case).appeal.status == "awaiting_counsel"


def test_modifications_are_staff_steps_with_checked_input(people, open_case):
    case = issued(people)
    with pytest.raises(InvalidInput, match="Unknown kind of modification"):
        services.modification_record(
            case=case, actor=people["agent"], kind="tweak", description="x"
        )
    with pytest.raises(InvalidInput, match="Description"):
        services.modification_record(
            case=case, actor=people["agent"], kind="extension", description=" "
        )
    with pytest.raises(NotPermitted):
        services.modification_record(
            case=case, actor=people["counsel"], kind="extension", description="x"
        )
    with pytest.raises(NotFound):
        services.modification_record(
            case=case, actor=people["crc"], kind="extension", description="x"
        )
    with pytest.raises(StepRefused, match="in effect"):
        services.modification_record(
            case=open_case(), actor=people["agent"], kind="extension", description="x"
        )
    assert not ActionModification.objects.exists()


def test_kinds_the_catalog_says_cannot_be_appealed_and_per_kind_refusals(people, monkeypatch):
    case = issued(people)
    # A kind app that refuses appeals of its own kind, registered as kind apps do.
    refusals = [*registry.hooks.get(Hook.APPEAL_REFUSAL, [])]
    monkeypatch.setitem(
        registry.hooks,
        Hook.APPEAL_REFUSAL,
        [*refusals, lambda case: f"{case.reference} is irrevocable."],
    )
    with pytest.raises(StepRefused, match="is irrevocable"):
        file_as_subject(case)
    monkeypatch.setitem(registry.hooks, Hook.APPEAL_REFUSAL, refusals)
    file_as_subject(case)
    with pytest.raises(StepRefused, match="already open"):
        file_as_subject(case)


def test_counsel_approves_then_the_committee_decides_with_reasons(people):
    case = issued(people)
    appeal = file_as_subject(case).appeal
    with pytest.raises(NotPermitted, match="legal counsel"):
        services.appeal_counsel_decide(appeal=appeal, actor=people["agent"], approve=True)
    with pytest.raises(StepRefused, match="waiting for legal counsel"):
        services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="upheld", reasons="x")
    with pytest.raises(InvalidInput, match="reason for refusing"):
        services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=False)
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    with pytest.raises(NotPermitted, match="case review committee"):
        services.appeal_decide(appeal=appeal, actor=people["agent"], outcome="upheld", reasons="x")
    with pytest.raises(InvalidInput, match="Unknown outcome"):
        services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="maybe", reasons="x")
    with pytest.raises(InvalidInput, match="New terms"):
        services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="modified", reasons="x")
    services.appeal_decide(
        appeal=appeal,
        actor=people["crc"],
        outcome="modified",
        reasons="Proportionate, but too wide.",
        new_terms="Ban limited to enwiki.",
    )
    appeal.refresh_from_db()
    assert appeal.status == "modified" and appeal.new_terms == "Ban limited to enwiki."
    actions = list(
        AuditEntry.objects.filter(object_id=appeal.reference).values_list("action", flat=True)
    )
    assert actions == ["appeal.file", "appeal.counsel_approve", "appeal.modified"]
    with pytest.raises(StepRefused):
        services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="upheld", reasons="x")


def test_who_sees_appeals(people, client):
    case = issued(people)
    appeal = file_as_subject(case).appeal
    # Before counsel's approval the committee does not see it; staff who see the case do.
    assert list(selectors.appeals_visible_to(people["agent"])) == [appeal]
    assert not selectors.appeals_visible_to(people["crc"]).exists()
    for who in ("outsider", "steward", "organiser"):
        assert not selectors.appeals_visible_to(people[who]).exists()
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    assert list(selectors.appeals_visible_to(people["crc"])) == [appeal]

    sign_in(client, people["crc"])
    assert appeal.reference in client.get(reverse("appeals:list")).content.decode()
    page = client.get(reverse("appeals:detail", args=[appeal.reference]))
    assert page.status_code == 200 and "The accounts named are not mine." in page.content.decode()
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    sign_in(client, people["outsider"])
    assert client.get(reverse("appeals:list")).status_code == 404
    assert client.get(reverse("appeals:detail", args=[appeal.reference])).status_code == 404
    assert client.get(f"/api/appeals/{appeal.reference}/").status_code == 404
    assert client.get("/api/appeals/").json() == []
    # The original case shows its appeal, and the appeal its case.
    sign_in(client, people["agent"])
    case_page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert appeal.reference in case_page
    assert (
        case.reference
        in client.get(reverse("appeals:detail", args=[appeal.reference])).content.decode()
    )
    # Public pages never show appeals.
    client.logout()
    for url in ("/transparency/office-actions/", "/transparency/global-bans/"):
        response = client.get(url)
        assert appeal.reference not in response.content.decode()


def test_appeal_counts_for_the_reports(people):
    case = issued(people)
    appeal = file_as_subject(case).appeal
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="upheld", reasons="Sound.")
    now = timezone.now()
    counts = selectors.appeal_counts(now - timedelta(days=1), now + timedelta(days=1))
    assert counts == {"filed": 1, "upheld": 1, "modified": 0, "overturned": 0}
    assert selectors.appeal_counts(now + timedelta(days=1), now + timedelta(days=2))["filed"] == 0


def test_the_public_form_and_api_answer_bad_input_with_400_and_refusals_clearly(people, client):
    case = issued(people)
    assert client.get(reverse("appeals:new")).status_code == 200
    response = client.post(reverse("appeals:new"), {"appellant": "subject", "grounds": ""})
    assert response.status_code == 400
    response = client.post(
        reverse("appeals:new"),
        {
            "appellant": "subject",
            "case_reference": case.reference,
            "wiki": "enwiki",
            "wiki_username": "Not Them",
            "grounds": "Unfair.",
        },
    )
    assert response.status_code == 403 and "directly involved" in response.content.decode()
    response = client.post(
        "/api/public/appeals/", {"appellant": "x"}, content_type="application/json"
    )
    assert response.status_code == 400 and "fields" in response.json()["extra"]
    response = client.post(
        "/api/public/appeals/",
        {
            "appellant": "subject",
            "case_reference": case.reference,
            "wiki": "enwiki",
            "wiki_username": "Appellant One",
            "grounds": "Unfair.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status_url"].startswith("http") and "case" not in body
    response = client.post(
        reverse("appeals:new"),
        {
            "appellant": "subject",
            "case_reference": case.reference,
            "wiki": "enwiki",
            "wiki_username": "Appellant One",
            "grounds": "Unfair again.",
        },
    )
    assert response.status_code == 409


def test_staff_use_the_pages_and_api_for_counsel_and_decision(people, client):
    case = issued(people)
    appeal = file_as_subject(case).appeal
    sign_in(client, people["counsel"])
    response = client.post(
        reverse("appeals:counsel", args=[appeal.reference]), {"decision": "approve"}
    )
    assert response.status_code == 302
    sign_in(client, people["crc"])
    response = client.post(
        f"/api/appeals/{appeal.reference}/decision/",
        {"outcome": "upheld", "reasons": ""},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/appeals/{appeal.reference}/decision/",
        {"outcome": "overturned", "reasons": "The evidence does not hold."},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["lift_pending"] is False
    case.refresh_from_db()
    assert case.state == CaseState.LIFTED  # the committee's overturn lifts it at once
    sign_in(client, people["agent"])
    response = client.post(
        f"/api/appeals/{appeal.reference}/lift/", content_type="application/json"
    )
    assert response.status_code == 409  # nothing left to carry out
    assert "/api/appeals/{reference}/decision/" in client.get("/api/schema/").content.decode()


def test_an_overturned_global_ban_is_unblocked_on_the_wiki(people, wiki_farm, settings):
    from officeactions.enforcement import operations, runner
    from tests.helpers import enforce_now
    from tests.wikis import unique

    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    name = unique("Appealer")
    wiki_farm.create_account("enwiki", name)
    subject = case_services.subject_create(
        actor=people["agent"], display_name="Appealer", accounts=[("enwiki", name)]
    )
    case = approved(people, "global_ban", subject=subject)
    enforce_now(case, people["agent"])
    assert case.state == CaseState.IN_EFFECT

    def blocked() -> bool:
        with wiki_farm.office("enwiki") as client:
            return any(operations._same_target(b["user"], name) for b in client.blocks(name))

    assert blocked()
    appeal = file_as_subject(case, username=name).appeal
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    services.appeal_decide(
        appeal=appeal, actor=people["crc"], outcome="overturned", reasons="Mistaken identity."
    )
    runner.enforcement_run(case_id=case.pk)  # what the worker does next
    case.refresh_from_db()
    assert case.state == CaseState.LIFTED
    assert not blocked()
    lift = AuditEntry.objects.get(case=case, action="case.lift")
    assert appeal.reference in lift.reason and lift.data["decided_by"] == "crc"


def test_on_the_appeals_address_staff_not_behind_the_decision_decide_and_an_overturn_lifts(
    people,
):
    terms = {"grounds": "court order", "wiki": "enwiki", "page": "Example"}
    case = issued(people, "page_protection", terms=terms)
    appeal = file_as_subject(case).appeal
    assert appeal.route == "appeals_address"
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel2"], approve=True)
    with pytest.raises(NotPermitted, match="original decision"):
        services.appeal_decide(
            appeal=appeal, actor=people["agent"], outcome="overturned", reasons="x"
        )
    with pytest.raises(NotPermitted, match="decided by"):
        services.appeal_decide(appeal=appeal, actor=people["crc"], outcome="upheld", reasons="x")
    services.appeal_decide(
        appeal=appeal, actor=people["agent2"], outcome="overturned", reasons="The order lapsed."
    )
    appeal.refresh_from_db()
    case.refresh_from_db()
    assert appeal.status == "overturned" and not appeal.lift_pending
    assert case.state == CaseState.LIFTED


def test_the_appellant_is_emailed_plain_status_words_only(
    people, file_request, django_capture_on_commit_callbacks
):
    from django.core import mail

    submission = file_request()
    case = submission.request.case
    walk(case, (people["agent"], "defer", "Community matter: internal note for staff."))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filed = services.appeal_file(
            data={
                "appellant": "requester",
                "status_token": submission.token,
                "grounds": "It was not a community matter.",
            }
        )
    (message,) = mail.outbox
    assert message.to == ["reporter@example.org"]  # the requester's known address
    assert filed.token in message.body
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_counsel_decide(
            appeal=filed.appeal,
            actor=people["counsel"],
            approve=False,
            note="Out of scope: secret.",
        )
    update = mail.outbox[-1]
    assert "not accepted for review" in update.body
    assert "secret" not in update.body and case.reference not in update.body


def test_a_committee_overturn_from_the_appeal_page_lifts_the_action(people, client):
    case = issued(people)
    appeal = file_as_subject(case).appeal
    services.appeal_counsel_decide(appeal=appeal, actor=people["counsel"], approve=True)
    sign_in(client, people["crc"])
    response = client.post(
        reverse("appeals:decide", args=[appeal.reference]),
        {"outcome": "overturned", "reasons": "Mistaken identity."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.LIFTED
    sign_in(client, people["agent"])
    page = client.get(reverse("appeals:detail", args=[appeal.reference])).content.decode()
    assert "Lift the action on the wikis" not in page  # nothing is left to carry out


def test_an_appeal_in_someone_elses_name_does_not_shut_out_their_own(people):
    case = issued(people)
    file_as_subject(case, contact_email="someone.else@example.org")  # the details are public
    own = file_as_subject(case, contact_email="the.person@example.org")
    assert own.appeal.case.pk == case.pk
    with pytest.raises(StepRefused, match="already open"):
        file_as_subject(case, contact_email="The.Person@example.org")
