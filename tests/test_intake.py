"""Public intake: the form and API, status links, completion, duplicates, abuse and lock-outs."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from officeactions.audit.models import AuditEntry
from officeactions.cases import services
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.intake import services as intake
from officeactions.intake import writer
from officeactions.intake.models import AbuseMark, RefusedSubmission, Request, Requester
from officeactions.policy.workflow import CaseState
from officeactions.web import PublicThrottle
from tests.conftest import COMPLETE_REQUEST
from tests.helpers import db_snapshot, filing_tasks, run_worker, sign_in


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def snapshot():
    return {
        **db_snapshot(),
        "requests": Request.objects.count(),
        "requesters": Requester.objects.count(),
    }


def test_a_complete_request_becomes_a_case_with_its_reference_and_clock(file_request):
    submission = file_request()
    req = submission.request
    case = req.case
    assert case.reference == req.reference
    assert case.state == CaseState.RECEIVED
    assert case.team == "trust_and_safety"
    assert case.due_at is not None
    assert len(submission.token) >= 40
    assert req.status_token_hash != submission.token  # only a hash is kept
    assert AuditEntry.objects.filter(action="request.submit", object_id=req.reference).exists()


def test_routing_follows_the_catalog(file_request):
    dmca = file_request(action_requested="dmca_takedown", community_evidence=None).request.case
    assert dmca.team == "legal"  # and no community evidence is asked for a DMCA takedown
    child = file_request(
        action_requested="child_protection",
        community_evidence=None,
        summary="A user is grooming a minor.",
    ).request.case
    assert child.queue_priority == 0
    assert (child.due_at - child.received_at).total_seconds() == 24 * 3600


def test_an_incomplete_request_says_what_is_missing_and_can_be_completed(file_request, client):
    submission = file_request(community_evidence=None, supporting_information=None)
    assert submission.missing == ["community_evidence", "supporting_information"]
    assert submission.request.case is None
    page = client.get(reverse("intake:status", args=[submission.token])).content.decode()
    assert "Incomplete" in page
    assert "earlier attempts to resolve this through the local community" in page
    assert "information and evidence that support the request" in page

    response = client.post(
        reverse("intake:status", args=[submission.token]),
        {"no_community_process_reason": "The admins are the ones involved."},
        follow=True,
    )
    assert "information and evidence that support the request" in response.content.decode()
    assert Request.objects.get().case is None

    api = APIClient().post(
        f"/api/public/requests/{submission.token}/",
        {"supporting_information": "Diffs attached."},
        format="json",
    )
    assert api.status_code == 200
    assert api.json()["complete"] is True
    req = Request.objects.get()
    assert req.case.reference == req.reference
    assert req.supporting_information == "Diffs attached."
    again = APIClient().post(
        f"/api/public/requests/{submission.token}/", {"summary": "more"}, format="json"
    )
    assert again.status_code == 409


def test_the_public_form_files_a_request_and_shows_its_status(db, client):
    response = client.post(
        reverse("intake:new"),
        {
            **COMPLETE_REQUEST,
            "community_evidence": "\n".join(COMPLETE_REQUEST["community_evidence"]),
        },
        follow=True,
    )
    assert response.status_code == 200
    req = Request.objects.get()
    page = response.content.decode()
    assert f"Request {req.reference}" in page
    assert "Received. It is waiting for the team to look at it." in page
    assert response.redirect_chain[-1][0].startswith("/request/status/")


def test_the_api_files_a_request(db):
    response = APIClient().post("/api/public/requests/", COMPLETE_REQUEST, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["complete"] is True
    assert body["status_url"].startswith("http://127.0.0.1:8000/request/status/")
    token = body["status_url"].rstrip("/").rsplit("/", 1)[1]
    status = APIClient().get(f"/api/public/requests/{token}/").json()
    assert status["reference"] == body["reference"]
    assert set(status) == {"reference", "status", "complete", "missing", "received_at", "messages"}


def test_the_api_answers_json_whatever_the_client_accepts(db):
    form = {**COMPLETE_REQUEST, "community_evidence": COMPLETE_REQUEST["community_evidence"][0]}
    response = APIClient().post("/api/public/requests/", form, HTTP_ACCEPT="text/html")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["complete"] is True


def test_the_status_link_is_the_status_page_address_under_any_script_prefix(db):
    from django.urls import set_script_prefix

    from officeactions.notify import public_url

    token = intake.status_token("OA-0000-0000", "nonce")
    assert intake.status_url(token) == public_url(reverse("intake:status", args=[token]))
    set_script_prefix("/desk/")
    try:
        assert intake.status_url(token) == public_url(reverse("intake:status", args=[token]))
        assert "/desk/request/status/" in intake.status_url(token)
    finally:
        set_script_prefix("/")


def test_the_requester_is_emailed_the_status_link_and_a_confirmation_link(
    file_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = file_request()
    (message,) = mail.outbox
    assert message.to == ["reporter@example.org"]
    assert submission.token in message.body
    assert "/request/confirm/" in message.body
    signed = message.body.split("/request/confirm/")[1].split("/")[0]
    client = Client()
    assert client.get(reverse("intake:confirm", args=[signed])).status_code == 200
    requester = Requester.objects.get()
    assert requester.email_verified_at is not None
    confirmed = AuditEntry.objects.filter(action="requester.confirm_email").count()
    # Replaying the link is harmless: still confirmed, nothing recorded twice.
    assert client.get(reverse("intake:confirm", args=[signed])).status_code == 200
    assert AuditEntry.objects.filter(action="requester.confirm_email").count() == confirmed
    forged = client.get(reverse("intake:confirm", args=[signed[:-3] + "abc"]))
    assert forged.status_code == 400
    assert b"not valid or has expired" in forged.content


@pytest.mark.parametrize(
    "token", ["x", "A" * 43, "not-a-token-at-all-but-long-enough-to-look-like-one-123", "A" * 500]
)
def test_forged_status_tokens_find_nothing(file_request, client, token):
    file_request()
    assert client.get(reverse("intake:status", args=[token])).status_code == 404
    assert APIClient().get(f"/api/public/requests/{token}/").status_code == 404
    with pytest.raises(NotFound):
        intake.request_by_token(token)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "valid email address"),
        ({"email": ""}, "valid email address"),
        ({"action_requested": "siteban"}, "Unknown action kind 'siteban'"),
        ({"action_requested": "checkuser"}, "cannot be requested"),
        ({"community_evidence": ["javascript:alert(1)"]}, "is not a valid http"),
        ({"community_evidence": ["https://x.example/" + str(i) for i in range(30)]}, "At most 25"),
        ({"wiki_username": "Bad\x07Name"}, "cannot contain"),
        ({"wiki_username": "Bad[[Name]]"}, "cannot contain"),
        ({"summary": "x" * 20_001}, "too long"),
        ({"summary": "nul\x00byte"}, "null character"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(db, changes, message):
    before = snapshot()
    with pytest.raises(InvalidInput, match=message):
        intake.request_submit(data={**COMPLETE_REQUEST, **changes})
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**COMPLETE_REQUEST, "action_requested": "siteban"}, 400),
        ({**COMPLETE_REQUEST, "community_evidence": "https://one.example"}, 400),  # not a list
        ({"summary": "no email"}, 400),
        ({**COMPLETE_REQUEST, "summary": {"nested": "object"}}, 400),
        ({**COMPLETE_REQUEST, "community_evidence": [42]}, 400),
        ([COMPLETE_REQUEST], 400),  # a list, not one request
    ],
)
def test_the_api_answers_bad_input_with_400(db, body, status):
    before = snapshot()
    response = APIClient().post("/api/public/requests/", body, format="json")
    assert response.status_code == status
    assert response.json()["message"]
    assert snapshot() == before


def test_an_oversized_body_is_refused_before_it_is_read(db):
    before = snapshot()
    # Every field within its limit; only the body is too large (a field nobody reads).
    body = {**COMPLETE_REQUEST, "padding": "x" * 300_000}
    response = APIClient().post("/api/public/requests/", body, format="json")
    assert response.status_code == 413
    assert response.json()["message"] == "The request is too large: at most 256 KB."
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"email": "a@example.org",', "application/json", "JSON parse error"),
        (b'{"email": "a@example.org", "n": NaN}', "application/json", "JSON parse error"),
        ('{"email": "\u00e9@example.org"}'.encode("latin-1"), "application/json", "JSON parse"),
        (b"[1, 2", "application/json; charset=utf-8", "JSON parse error"),
        (b"", "application/json", "valid email address"),
    ],
)
def test_a_malformed_json_body_gets_a_400_saying_why(db, body, content_type, message):
    before = snapshot()
    response = APIClient().generic("POST", "/api/public/requests/", body, content_type)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert snapshot() == before


def test_json_in_another_charset_is_read_in_that_charset(db):
    body = json.dumps({**COMPLETE_REQUEST, "name": "Zoë Müller"}, ensure_ascii=False)
    response = APIClient().generic(
        "POST",
        "/api/public/requests/",
        body.encode("latin-1"),
        "application/json; charset=latin-1",
    )
    assert response.status_code == 201
    assert Request.objects.get().requester_name == "Zoë Müller"


def test_a_duplicate_submission_is_linked_not_doubled(file_request, settings):
    first = file_request()
    second = file_request(summary="  This user THREATENS editors on three wikis. ")
    assert second.duplicate
    assert second.token is None  # the status link is never handed out again
    assert second.request == first.request
    assert Request.objects.count() == 1
    first.request.refresh_from_db()
    assert first.request.duplicates == 1
    response = APIClient().post("/api/public/requests/", COMPLETE_REQUEST, format="json")
    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert response.json()["status_url"] is None
    settings.OFFICEACTIONS_DUPLICATE_WINDOW_MINUTES = 0
    assert not file_request().duplicate  # outside the window it is a new request


def test_html_in_a_request_is_shown_escaped(file_request, people, client):
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    submission = file_request(summary=evil, supporting_information=evil)
    status = client.get(reverse("intake:status", args=[submission.token])).content.decode()
    sign_in(client, people["agent"])
    staff = client.get(reverse("cases:detail", args=[submission.request.reference])).content
    for page in (status, staff.decode()):
        assert evil not in page
        assert "<script>alert" not in page


def test_the_status_page_never_shows_internal_detail(file_request, people, client):
    submission = file_request()
    case = submission.request.case
    services.case_transition(
        case=case, actor=people["agent"], name="accept", reason="INTERNAL: check with legal"
    )
    services.evidence_add(case=case, actor=people["agent"], note="INTERNAL evidence note")
    page = client.get(reverse("intake:status", args=[submission.token])).content.decode()
    assert "Accepted. The team is looking into it." in page
    assert "Trust &amp; Safety team" in page  # the templated answer
    for secret in ("INTERNAL", "agent", "evidence note"):
        assert secret not in page


def test_deferral_sends_the_templated_answer_and_decline_a_written_one(
    file_request, people, client
):
    deferred = file_request(action_requested="rights_removal")
    services.case_transition(
        case=deferred.request.case, actor=people["agent"], name="defer", reason="secondary"
    )
    page = client.get(reverse("intake:status", args=[deferred.token])).content.decode()
    assert "Referred to the community" in page
    assert "removal of advanced rights" in page
    declined = file_request(email="other@example.org")
    services.case_transition(
        case=declined.request.case,
        actor=people["agent"],
        name="decline_request",
        reason="INTERNAL reason",
        message_to_requester="This concerns a content dispute; please use the talk page.",
    )
    page = client.get(reverse("intake:status", args=[declined.token])).content.decode()
    assert "please use the talk page" in page
    assert "INTERNAL" not in page


def mark(people, submission, seriousness=1, bad_faith=False):
    services.case_transition(
        case=submission.request.case,
        actor=people["agent"],
        name="mark_abusive",
        reason="Threats against staff",
        seriousness=seriousness,
        bad_faith=bad_faith,
    )


def test_abuse_earns_a_warning_then_a_lockout_that_refuses_and_records(
    file_request, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mark(people, file_request(summary="first"))
    requester = Requester.objects.get()
    assert requester.warned_at is not None
    assert requester.locked_until is None
    assert "This is a warning" in mail.outbox[-1].body

    mark(people, file_request(summary="second"), seriousness=2)
    requester.refresh_from_db()
    assert requester.locked_until is not None
    # Seriousness 2 is 30 days; one other abusive request this month adds half: 45.
    assert AbuseMark.objects.filter(outcome="lockout", lockout_days=45).exists()

    before = Request.objects.count()
    with pytest.raises(Exception, match="not accepting requests from you until") as refused:
        file_request(summary="third")
    assert refused.value.status == 403
    assert Request.objects.count() == before
    attempt = RefusedSubmission.objects.get()
    assert attempt.summary == "third"
    assert AuditEntry.objects.filter(action="request.refused_locked_out").exists()

    # The same person under another address, recognised by their wiki username.
    with pytest.raises(Exception, match="not accepting requests"):
        file_request(summary="fourth", email="new@example.org", wiki_username="Reporter one")
    response = APIClient().post(
        "/api/public/requests/", {**COMPLETE_REQUEST, "summary": "fifth"}, format="json"
    )
    assert response.status_code == 403
    assert "until" in response.json()["message"]


def test_staff_lift_a_lockout_with_a_reason(file_request, people):
    mark(people, file_request(summary="first"))
    mark(people, file_request(summary="second"))
    requester = Requester.objects.get()
    with pytest.raises(InvalidInput, match="needs a reason"):
        intake.requester_lockout_lift(requester=requester, actor=people["agent"], reason=" ")
    with pytest.raises(NotPermitted):
        intake.requester_lockout_lift(requester=requester, actor=people["reviewer1"], reason="x")
    intake.requester_lockout_lift(
        requester=requester,
        actor=people["agent"],
        reason="Apologised; context was a misunderstanding.",
    )
    entry = AuditEntry.objects.get(action="requester.lockout_lift")
    assert entry.actor_name == "agent"
    assert "misunderstanding" in entry.reason
    assert not file_request(summary="after the lift").duplicate
    with pytest.raises(StepRefused, match="not locked out"):
        intake.requester_lockout_lift(requester=requester, actor=people["agent"], reason="again")


def test_marking_a_staff_opened_case_abusive_is_refused(people, open_case):
    case = open_case()
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="came from a request"):
        services.case_transition(case=case, actor=people["agent"], name="mark_abusive", reason="x")
    assert db_snapshot() == before


def test_public_endpoints_are_rate_limited_per_client(db, monkeypatch):
    monkeypatch.setattr(PublicThrottle, "rate", "3/minute", raising=False)
    api = APIClient(REMOTE_ADDR="198.51.100.1")
    codes = [
        api.post(
            "/api/public/requests/", {**COMPLETE_REQUEST, "summary": f"n{i}"}, format="json"
        ).status_code
        for i in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    other = APIClient(REMOTE_ADDR="198.51.100.2")
    assert other.get("/api/public/requests/nonexistent-token/").status_code == 404
    page = Client(REMOTE_ADDR="198.51.100.1").post(reverse("intake:new"), COMPLETE_REQUEST)
    assert page.status_code == 429


def test_the_request_path_stores_and_the_worker_files(db, django_capture_on_commit_callbacks):
    submission = intake.request_submit(data=COMPLETE_REQUEST)
    req = Request.objects.get()
    assert req.case is None and req.filed_at is None  # stored; filing is the worker's
    status = APIClient().get(f"/api/public/requests/{submission.token}/").json()
    assert status["status"] == "Received. It is waiting for the team to look at it."
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.request_file(request_id=req.pk) == "filed with a case"
    assert intake.request_file(request_id=req.pk) == "already filed"  # idempotent
    req.refresh_from_db()
    assert req.case.reference == req.reference
    (message,) = mail.outbox
    assert submission.token in message.body  # the worker re-derives the private link


@pytest.mark.usefixtures("committed_db")
def test_the_real_worker_files_queued_requests(settings):
    settings.OFFICEACTIONS_INTAKE_FILING_DELAY = 2
    intake.request_submit(data=COMPLETE_REQUEST)
    intake.request_submit(
        data={
            **COMPLETE_REQUEST,
            "summary": "Another",
            "email": "b@example.org",
            "supporting_information": "",
        }
    )
    # Both stored within the first task's interval: it serves both, no second task is queued.
    assert filing_tasks().count() == 1
    run_worker()
    complete, incomplete = Request.objects.order_by("summary").reverse()
    assert complete.case is not None and complete.filed_at is not None
    assert incomplete.case is None and incomplete.filed_at is not None
    assert AuditEntry.objects.filter(action="request.submit").count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.usefixtures("committed_db")
def test_with_no_delay_every_batch_queues_its_own_filing(settings):
    settings.OFFICEACTIONS_INTAKE_FILING_DELAY = 0
    for n in range(3):
        intake.request_submit(data={**COMPLETE_REQUEST, "summary": f"Request {n}"})
    assert filing_tasks().count() == 3
    run_worker()
    assert not Request.objects.filter(filed_at=None).exists()


@pytest.mark.usefixtures("committed_db")
def test_the_sweep_files_what_no_task_was_queued_for_and_comes_back():
    from django_tasks_db.models import DBTaskResult

    from officeactions import periodic
    from officeactions.intake.tasks import request_file_sweep_task

    for n in range(2):
        intake.request_submit(data={**COMPLETE_REQUEST, "summary": f"Request {n}"})
    filing_tasks().delete()  # as if the filing task were lost (a clock far off, a crash)
    periodic.start()  # what the worker command does first
    sweeps = DBTaskResult.objects.filter(task_path=request_file_sweep_task.module_path)
    DBTaskResult.objects.exclude(task_path=request_file_sweep_task.module_path).delete()
    run_worker()
    assert not Request.objects.filter(filed_at=None).exists()
    assert AuditEntry.objects.filter(action="request.submit").count() == 2
    assert sweeps.filter(status="READY").count() == 1  # the next sweep is queued


@pytest.mark.usefixtures("committed_db")
def test_filings_an_earlier_version_queued_still_file_their_requests():
    from officeactions.intake.tasks import request_file_batch_task, request_file_task

    for n in range(2):
        intake.request_submit(data={**COMPLETE_REQUEST, "summary": f"Request {n}"})
    filing_tasks().delete()  # only the old forms of the task are waiting
    first, second = Request.objects.order_by("pk")
    request_file_task.enqueue(first.pk)
    request_file_batch_task.enqueue([second.pk])
    run_worker()
    assert not Request.objects.filter(filed_at=None).exists()
    assert AuditEntry.objects.filter(action="request.submit").count() == 2


def test_a_request_that_cannot_be_filed_does_not_hold_up_the_others(db, monkeypatch, caplog):
    for n in range(3):
        intake.request_submit(data={**COMPLETE_REQUEST, "summary": f"Request {n}"})
    _, second, _ = Request.objects.order_by("pk")
    real = intake.request_file

    def failing(*, request_id):
        if request_id == second.pk:
            raise RuntimeError("mail server down")
        return real(request_id=request_id)

    monkeypatch.setattr(intake, "request_file", failing)
    assert intake.request_file_pending(chunk=2) == 2
    assert [r.filed_at is not None for r in Request.objects.order_by("pk")] == [True, False, True]
    assert f"Filing request {second.pk} failed" in caplog.text
    monkeypatch.setattr(intake, "request_file", real)
    assert intake.request_file_pending() == 1  # the next run files it


@pytest.mark.usefixtures("committed_db")
def test_a_batch_stored_after_the_filing_task_may_have_started_queues_another():
    writer.filing_after_commit(timezone.now() + timedelta(hours=1))  # still to start: none
    assert not filing_tasks().exists()
    writer.filing_after_commit(timezone.now() - timedelta(seconds=1))  # may have started
    assert filing_tasks().count() == filing_tasks().ready().count() == 1  # to run now


def test_staff_mark_abuse_and_lift_it_through_the_pages_and_the_api(file_request, people):
    from tests.test_pages import logged_in

    client = logged_in(people["agent"])
    for summary in ("first", "second"):
        case = file_request(summary=summary).request.case
        response = client.post(
            reverse("cases:transition", args=[case.reference, "mark_abusive"]),
            {"reason": "Threatened staff", "seriousness": "3", "bad_faith": "on"},
        )
        assert response.status_code == 302
    mark = AbuseMark.objects.order_by("recorded_at").last()
    assert (mark.seriousness, mark.bad_faith, mark.outcome) == (3, True, "lockout")
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Locked out until" in page
    api = APIClient()
    api.force_authenticate(people["agent"])
    url = f"/api/cases/{case.reference}/requester/lift/"
    assert api.post(url, {"reason": ""}, format="json").status_code == 400
    assert api.post(url, {"reason": "Misunderstanding"}, format="json").status_code == 200
    assert api.post(url, {"reason": "again"}, format="json").status_code == 409
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Locked out until" not in page


def test_triage_suggests_deferral_for_a_direct_request_for_a_secondary_action(
    file_request, people, client
):
    sign_in(client, people["agent"])
    secondary = file_request(action_requested="page_protection").request.case
    primary = file_request(email="x@example.org").request.case
    page = client.get(reverse("cases:detail", args=[secondary.reference])).content.decode()
    assert "normally deferred to community governance" in page
    page = client.get(reverse("cases:detail", args=[primary.reference])).content.decode()
    assert "normally deferred to community governance" not in page


def test_a_request_already_reported_to_ncmec_carries_its_report_id(file_request, people, client):
    submission = file_request(
        action_requested="child_protection", community_evidence=None, ncmec_report="CT-998877"
    )
    assert submission.request.ncmec_report == "CT-998877"
    sign_in(client, people["designee"])
    page = client.get(reverse("cases:detail", args=[submission.request.reference])).content
    assert b"Already reported to NCMEC:</strong> CT-998877" in page


def test_a_refused_attempt_cannot_unlink_a_locked_username(file_request, people):
    mark(people, file_request(summary="first"))
    mark(people, file_request(summary="second"))
    with pytest.raises(Exception, match="not accepting requests"):
        file_request(summary="third", wiki_username="Someone else")
    assert Requester.objects.get().wiki_username == "Reporter one"
    with pytest.raises(Exception, match="not accepting requests"):
        file_request(summary="fourth", email="other@example.org", wiki_username="Reporter one")


def test_a_locked_out_requester_cannot_complete_an_old_incomplete_request(file_request, people):
    incomplete = intake.request_submit(
        data={**COMPLETE_REQUEST, "summary": "half", "supporting_information": ""}
    )
    mark(people, file_request(summary="first"))
    mark(people, file_request(summary="second"))
    with pytest.raises(Exception, match="not accepting requests") as refused:
        intake.request_complete(token=incomplete.token, data={"supporting_information": "x"})
    assert refused.value.status == 403


def test_a_client_over_the_limit_is_let_in_again_at_the_rate_and_told_when(db, monkeypatch):
    monkeypatch.setattr(PublicThrottle, "rate", "3/minute", raising=False)
    clock = [1_000_000.0]
    monkeypatch.setattr(PublicThrottle, "timer", lambda self: clock[0])
    api = APIClient(REMOTE_ADDR="198.51.100.7")

    def status_after(seconds: float):
        clock[0] += seconds
        return api.get("/api/public/requests/no-such-token/")

    assert [status_after(0).status_code for _ in range(3)] == [404, 404, 404]  # the whole burst
    refused = status_after(0)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "20"  # one request's share of the minute
    assert status_after(19).status_code == 429
    assert status_after(1).status_code == 404  # 20 s on: room for exactly one more
    assert status_after(0).status_code == 429
    assert status_after(60).status_code == 404  # a quiet minute gives the whole burst back
    assert [status_after(0).status_code for _ in range(3)] == [404, 404, 429]


def test_a_forwarded_for_header_does_not_get_round_the_rate_limit(db, monkeypatch):
    monkeypatch.setattr(PublicThrottle, "rate", "2/minute", raising=False)
    codes = [
        APIClient(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        .get("/api/public/requests/no-such-token/")
        .status_code
        for i in range(4)
    ]
    assert codes == [404, 404, 429, 429]


def _intake(**changes):
    return intake.request_validate({**COMPLETE_REQUEST, "wiki_username": "", **changes})


def test_one_batch_answers_each_submission_by_the_same_rules(file_request, people):
    locked = file_request(summary="earlier", email="locked@example.org").request.requester
    locked.locked_until = locked.created_at + timedelta(days=400)
    locked.save()
    batch = [
        _intake(summary="first", email="a@example.org"),
        _intake(summary="refused", email="locked@example.org"),
        _intake(summary="First ", email="a@example.org"),  # the same text, said again
        _intake(summary="second", email="b@example.org", supporting_information=""),
    ]
    first, refused, again, second = intake.request_submit_batch(batch)

    assert isinstance(refused, intake.LockedOut) and "until" in refused.message
    assert RefusedSubmission.objects.get().summary == "refused"
    assert again.duplicate and again.request.pk == first.request.pk and again.token is None
    assert Request.objects.get(pk=first.request.pk).duplicates == 1
    assert second.missing == ["supporting_information"]
    # Each private link opens its own request, and nothing else.
    for submission in (first, second):
        assert intake.request_by_token(submission.token).pk == submission.request.pk
    assert Request.objects.filter(summary__in=["first", "second"]).count() == 2


def test_a_large_batch_stores_every_field_of_every_submission_under_its_own_id(db):
    """Above writer.UNNEST_ABOVE_ROWS rows the insert takes another form on PostgreSQL (one
    array per column): every row must still be stored whole, and each answer carry its own."""
    count = writer.UNNEST_ABOVE_ROWS * 2 + 1
    evidence = ["https://en.wikipedia.org/wiki/Talk:Ä?x=1&y=2", "https://meta.wikimedia.org/wiki/X"]
    batch = [
        _intake(
            summary=f"Réclamation n°{n}: <script>alert(1)</script>",
            email=f"big{n % 3}@example.org",
            community_evidence=evidence[: 1 + n % 2],
            supporting_information="" if n % 4 == 0 else f"diffs {n}",
        )
        for n in range(count)
    ]
    answers = intake.request_submit_batch(batch)

    assert len({answer.request.pk for answer in answers}) == count
    for n, answer in enumerate(answers):
        stored = Request.objects.select_related("requester").get(pk=answer.request.pk)
        assert stored.reference == answer.request.reference
        assert stored.summary == f"Réclamation n°{n}: <script>alert(1)</script>"
        assert stored.community_evidence == evidence[: 1 + n % 2]
        assert stored.requester.email == f"big{n % 3}@example.org"
        complete = n % 4 != 0
        assert stored.status == (
            Request.Status.SUBMITTED if complete else Request.Status.INCOMPLETE
        )
        assert stored.received_at == answer.request.received_at
        assert (stored.completed_at is not None) == complete
        assert intake.request_by_token(answer.token).pk == stored.pk
    assert Requester.objects.filter(email__startswith="big").count() == 3


@pytest.mark.usefixtures("committed_db")
def test_the_writer_thread_stores_concurrent_submissions_each_with_its_own_answer(settings):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    settings.OFFICEACTIONS_INTAKE_BATCHING = True
    batcher = writer.SubmissionBatcher(intake.request_submit_batch)

    def submit(n):
        try:
            item = _intake(summary=f"concurrent {n}", email=f"p{n % 5}@example.org")
            return batcher.submit(item)
        finally:
            connections.close_all()

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(submit, range(60)))
    finally:
        batcher.stop()
    stored = dict(Request.objects.values_list("reference", "summary"))
    assert len(stored) == 60
    for n, answer in enumerate(answers):
        assert stored[answer.request.reference] == f"concurrent {n}"
        assert intake.request_by_token(answer.token).summary == f"concurrent {n}"
    # The filing tasks queued meanwhile file every one of them once they may run.
    run_worker()
    assert not Request.objects.filter(filed_at=None).exists()
    assert AuditEntry.objects.filter(action="request.submit").count() == 60


@pytest.mark.postgres  # SQLite serialises writers; in memory a second writer fails, not waits
@pytest.mark.usefixtures("committed_db")
def test_two_identical_submissions_racing_are_stored_once_and_counted(monkeypatch):
    import threading

    from django.db import connections

    inserted, go_on = threading.Event(), threading.Event()
    insert = writer.insert_requests

    def insert_then_wait(reqs):  # the first holds its transaction open after its insert
        insert(reqs)
        if threading.current_thread().name == "first":
            inserted.set()
            go_on.wait(10)

    monkeypatch.setattr(writer, "insert_requests", insert_then_wait)
    # A known requester: creating a new one would make the second wait on the first anyway.
    Requester.objects.create(email=_intake().email)
    answers = {}

    def submit():
        try:
            name = threading.current_thread().name
            (answers[name],) = intake.request_submit_batch([_intake(summary="double click")])
        finally:
            connections.close_all()

    first = threading.Thread(target=submit, name="first")
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=submit, name="second")
    second.start()
    second.join(0.5)  # by now it waits for the first's advisory lock
    go_on.set()
    first.join()
    second.join()
    assert not answers["first"].duplicate and answers["second"].duplicate
    assert answers["second"].request.pk == answers["first"].request.pk
    assert Request.objects.get().duplicates == 1


@pytest.mark.usefixtures("committed_db")
def test_a_failing_submission_does_not_fail_the_others_in_its_batch(monkeypatch):
    from concurrent.futures import Future

    checked = intake.request_missing

    def fails_for_s0(req):
        if req.summary == "s0":
            raise RuntimeError("storing s0 failed")
        return checked(req)

    monkeypatch.setattr(intake, "request_missing", fails_for_s0)
    batch = [(_intake(summary=f"s{n}", email=f"x{n}@example.org"), Future()) for n in range(3)]
    writer.SubmissionBatcher(intake.request_submit_batch).write(batch)
    failed, *stored = (answer for _, answer in batch)
    assert "s0 failed" in str(failed.exception())
    assert [a.result().request.summary for a in stored] == ["s1", "s2"]
    assert sorted(Request.objects.values_list("summary", flat=True)) == ["s1", "s2"]


def test_a_writer_that_fails_unexpectedly_answers_instead_of_leaving_requests_waiting(
    db, monkeypatch
):
    def broken():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(writer, "close_old_connections", broken)
    batcher = writer.SubmissionBatcher(intake.request_submit_batch)
    # The request gets the error itself, not a timeout after waiting for an answer never sent.
    with pytest.raises(RuntimeError, match="went away"):
        batcher.submit(_intake(summary="lost?"), timeout=20)
    monkeypatch.undo()
    assert batcher._writer.is_alive()  # and the writer goes on for the next submissions
    batcher.stop()
