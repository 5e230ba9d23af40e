"""DMCA end to end on the real wikis: notice, review, takedown, uploader notice, public log and
Lumen export, counter-notice, put-back by the worker; repeat infringers and reverted takedowns."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from officeactions.cases import services
from officeactions.cases.models import Case
from officeactions.enforcement import runner, watch
from officeactions.enforcement import services as enforcement
from officeactions.enforcement.models import Operation
from officeactions.errors import InvalidInput, StepRefused
from officeactions.legal import counter_notices
from officeactions.legal import services as legal
from officeactions.legal.models import CounterNotice, DmcaNotice
from officeactions.policy import Role
from officeactions.policy.workflow import CaseState
from tests.helpers import db_snapshot, make_user, sign_in, walk
from tests.wikis import unique


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


@pytest.fixture
def alice(db):
    """Legal counsel with a staff account on the wikis (DMCA takedowns use staff accounts)."""
    return make_user("alice", [Role.LEGAL_COUNSEL])


def page_url(farm, title, dbname="enwiki", oldid=None):
    base = farm.wikis[dbname].api_url.replace("api.php", "index.php")
    return f"{base}?title={title.replace(' ', '_')}" + (f"&oldid={oldid}" if oldid else "")


def uploaded(farm, title, dbname="enwiki"):
    """A page created by another wiki user (the uploader of the material)."""
    with farm.rogue_client(dbname) as rogue:
        rogue.write(
            {"action": "edit", "title": title, "text": "Copied photo text.", "summary": "x"}
        )
    return title


def notice_data(farm, *titles, **changes):
    return {
        "sender_name": "Jane Doe",
        "address": "1 Main Street, Springfield",
        "phone": "+1 555 0199",
        "email": "jane@example.org",
        "works": ["Photograph 'Sunset' (2019)"],
        "copyrighted_urls": ["https://janedoe.example/sunset"],
        "infringing_urls": [page_url(farm, t) for t in titles],
        "signature": "/s/ Jane Doe",
        "good_faith": True,
        "accuracy_under_perjury": True,
        **changes,
    }


def counter_data(farm, title, **changes):
    """A counter-notice with every element of 512(g)(3), for the material at ``title``."""
    return {
        "name": "Sam",
        "address": "2 Side St",
        "phone": "+1 555 0100",
        "removed_material": title,
        "former_location": [page_url(farm, title)],
        "mistake_under_perjury": True,
        "consent_to_jurisdiction": True,
        "signature": "/s/ Sam",
        **changes,
    }


def take_down(people, alice, notice):
    case = notice.case
    walk(case, (alice, "accept"), (alice, "start_investigation"))
    services.proposal_create(case=case, actor=alice, rationale="Valid notice; the work is hers.")
    walk(case, (alice, "submit_for_review"))
    services.review_submit(case=case, actor=people["counsel"], decision="approve")
    enforcement.case_enforce(case=case, actor=alice)
    runner.enforcement_run(case_id=case.pk)
    case.refresh_from_db()
    return case


def test_a_valid_notice_is_taken_down_published_countered_and_put_back(
    people, alice, farm, client, django_capture_on_commit_callbacks
):
    title = uploaded(farm, unique("Sunset copy"))
    response = APIClient().post(
        "/api/public/dmca/notices/", notice_data(farm, title), format="json"
    )
    assert response.status_code == 201
    assert response.json()["valid"] is True
    notice = DmcaNotice.objects.get()
    assert notice.case.team == "legal"
    assert notice.located == [{"wiki": "enwiki", "title": title, "revid": None}]

    case = take_down(people, alice, notice)
    assert case.state == CaseState.IN_EFFECT
    ops = {o.op: o for o in case.operations.all()}
    assert ops["delete"].state == "verified" and ops["delete"].performer == "alice"
    assert ops["delete"].params["uploader"] == "Rogue Admin"
    with farm.office("enwiki") as wiki:
        assert not wiki.exists(title)
        talk = wiki.page_text("User talk:Rogue Admin")
    assert case.reference in talk and "counter-notice" in talk
    assert "a private individual" in talk
    assert "Jane Doe" not in talk  # a private complainant's name and details stay off the wiki
    assert "1 Main Street" not in talk and "555 0199" not in talk

    log = client.get("/transparency/dmca/").content.decode()
    assert case.reference in log and title in log and "Private individual" in log
    assert "1 Main Street" not in log and "jane@example.org" not in log
    (lumen,) = client.get("/transparency/dmca.json").json()["notices"]
    assert lumen["type"] == "DMCA" and lumen["id"] == case.reference
    assert lumen["works"][0]["infringing_urls"] == [{"url": page_url(farm, title)}]
    assert lumen["recipient_name"] == "Wikimedia Foundation" and lumen["action_taken"] == "Yes"

    counter = {"reference": case.reference, **counter_data(farm, title, name="Sam Uploader")}
    invalid = APIClient().post(
        "/api/public/dmca/counter-notices/",
        {**counter, "consent_to_jurisdiction": False},
        format="json",
    )
    assert invalid.status_code == 201 and invalid.json()["valid"] is False
    assert "512(g)(3)(D)" in invalid.json()["defects"][0]
    with django_capture_on_commit_callbacks(execute=True):
        valid = APIClient().post("/api/public/dmca/counter-notices/", counter, format="json")
    body = valid.json()
    assert body["valid"] is True
    assert mail.outbox[-1].to == ["jane@example.org"]  # forwarded to the complainant
    assert "Sam Uploader" in mail.outbox[-1].body
    waiting = CounterNotice.objects.get(status="waiting")
    assert (
        counter_notices.dmca_putback(counter_id=waiting.pk)
        == "too early: not before 10 business days"
    )
    # Ten business days later, the worker runs the queued put-back.
    CounterNotice.objects.filter(pk=waiting.pk).update(
        putback_earliest=timezone.now() - timedelta(minutes=1)
    )
    assert counter_notices.dmca_putback(counter_id=waiting.pk) == "put back"
    with farm.office("enwiki") as wiki:
        assert wiki.exists(title)
    assert counter_notices.dmca_putback(counter_id=waiting.pk) == "not put back: material put back"


def test_a_reported_court_action_stops_the_put_back(people, alice, farm):
    title = uploaded(farm, unique("Court page"))
    notice = legal.dmca_notice_submit(data=notice_data(farm, title))
    case = take_down(people, alice, notice)
    counter = counter_notices.dmca_counter_notice_submit(
        reference=case.reference,
        data=counter_data(farm, title),
    )
    with pytest.raises(Exception, match="legal counsel"):
        counter_notices.dmca_court_action_record(counter=counter, actor=people["agent"], note="x")
    counter_notices.dmca_court_action_record(
        counter=counter, actor=alice, note="N.D. Cal. case 3:26-cv-01234, filed 2026-11-20"
    )
    CounterNotice.objects.filter(pk=counter.pk).update(
        putback_earliest=timezone.now() - timedelta(minutes=1)
    )
    assert "not put back" in counter_notices.dmca_putback(counter_id=counter.pk)
    with farm.office("enwiki") as wiki:
        assert not wiki.exists(title)


def test_a_defective_notice_is_answered_kept_and_not_acted_on(people, alice, farm, client):
    title = uploaded(farm, unique("Defective"))
    response = client.post(
        "/legal/dmca/",
        {
            "sender_name": "Jane",
            "works": "A song",
            "infringing_urls": page_url(farm, title),
            "good_faith": "on",
        },
    )
    assert response.status_code == 201
    page = response.content.decode()
    assert "not valid" in page
    assert "512(c)(3)(A)(i)" in page and "512(c)(3)(A)(iv)" in page and "(vi)" in page
    notice = DmcaNotice.objects.get()
    assert notice.defects == ["signature", "contact", "accuracy_under_perjury"]
    case = notice.case
    walk(case, (alice, "accept"), (alice, "start_investigation"))
    services.proposal_create(case=case, actor=alice, rationale="x")
    walk(case, (alice, "submit_for_review"))
    services.review_submit(case=case, actor=people["counsel"], decision="approve")
    with pytest.raises(InvalidInput, match="not valid, so it is not acted on"):
        enforcement.case_enforce(case=case, actor=alice)
    with farm.office("enwiki") as wiki:
        assert wiki.exists(title)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"infringing_urls": ["https://elsewhere.example/wiki/Page"]}, "not a page on one of our"),
        ({"infringing_urls": ["javascript:alert(1)"]}, "not a valid http(s) URL"),
        ({"email": "not-an-email"}, "not a valid email"),
        ({"sender_name": ""}, "invalid fields"),
    ],
)
def test_malformed_notices_are_refused_and_nothing_is_written(farm, db, changes, message):
    before = db_snapshot()
    response = APIClient().post(
        "/api/public/dmca/notices/", notice_data(farm, "Some page", **changes), format="json"
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert db_snapshot() == before


def test_a_second_notice_for_the_same_material_is_refused(farm, db):
    title = uploaded(farm, unique("Twice"))
    first = legal.dmca_notice_submit(data=notice_data(farm, title))
    before = db_snapshot()
    with pytest.raises(StepRefused, match=f"already the subject of notice {first.case.reference}"):
        legal.dmca_notice_submit(data=notice_data(farm, title))
    assert db_snapshot() == before


def test_a_counter_notice_needs_a_takedown(people, farm, db):
    response = APIClient().post(
        "/api/public/dmca/counter-notices/",
        {"reference": "OA-NONE-NONE", "name": "X"},
        format="json",
    )
    assert response.status_code == 404
    notice = legal.dmca_notice_submit(data=notice_data(farm, uploaded(farm, unique("Untouched"))))
    with pytest.raises(StepRefused, match="Nothing was taken down"):
        counter_notices.dmca_counter_notice_submit(
            reference=notice.case.reference, data={"name": "X"}
        )


def test_repeat_infringers_are_proposed_for_termination(people, alice, farm, settings):
    settings.OFFICEACTIONS_REPEAT_INFRINGER_THRESHOLD = 2
    for n in range(2):
        title = uploaded(farm, unique(f"Infringement {n}"))
        take_down(people, alice, legal.dmca_notice_submit(data=notice_data(farm, title)))
    proposal = Case.objects.get(kind="global_ban")
    assert proposal.title == "Account termination proposed: Rogue Admin"
    assert proposal.state == CaseState.RECEIVED
    assert "Repeat infringer: 2 DMCA takedowns" in proposal.summary
    assert proposal.subject.accounts.get().username == "Rogue Admin"


def test_reverting_a_takedown_is_caught_redone_and_proposed_for_termination(people, alice, farm):
    title = uploaded(farm, unique("Reverted takedown"))
    case = take_down(people, alice, legal.dmca_notice_submit(data=notice_data(farm, title)))
    watch.revert_watch_run()
    with farm.rogue_client("enwiki") as rogue:
        rogue.undelete(title, reason="Fair use!")
    (incident,) = watch.revert_watch_run()
    assert (incident.change, incident.wiki_user) == ("delete/restore", "Rogue Admin")
    assert incident.reapplied
    with farm.office("enwiki") as wiki:
        assert not wiki.exists(title)
    proposal = Case.objects.get(kind="global_ban")
    assert f"Reverted a DMCA takedown ({title})" in proposal.summary
    assert case.reference in proposal.summary


@pytest.mark.usefixtures("committed_db")
def test_the_worker_puts_material_back_when_the_time_comes(people, farm):
    alice = make_user("alice", [Role.LEGAL_COUNSEL])
    title = uploaded(farm, unique("Worker putback"))
    case = take_down(people, alice, legal.dmca_notice_submit(data=notice_data(farm, title)))
    counter = counter_notices.dmca_counter_notice_submit(
        reference=case.reference,
        data=counter_data(farm, title),
    )
    past = timezone.now() - timedelta(minutes=1)
    CounterNotice.objects.filter(pk=counter.pk).update(putback_earliest=past)
    DBTaskResult.objects.filter(task_path__endswith="putback_task").update(run_after=past)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    counter.refresh_from_db()
    assert counter.status == "put_back"
    assert Operation.objects.get(case=case, op="undelete").state == "verified"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notice.exe", b"MZ\x90\x00\x03\x00\x00\x00binary", "only PDF, PNG, JPEG or plain-text"),
        ("notice.pdf", b"\x00\x01\x02 not really a pdf", "only PDF, PNG, JPEG or plain-text"),
        ("huge.pdf", b"%PDF-1.7\n" + b"x" * 2048, "at most 1,024"),
    ],
)
def test_attachments_of_the_wrong_type_or_size_are_refused(
    farm, db, media, settings, name, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.OFFICEACTIONS_MAX_ATTACHMENT_BYTES = 1024
    before = db_snapshot()
    response = APIClient().post(
        "/api/public/dmca/notices/",
        {
            **{k: v for k, v in notice_data(farm, "Any page").items() if not isinstance(v, list)},
            "works": ["A song"],
            "infringing_urls": [page_url(farm, "Any page")],
            "attachments": [SimpleUploadedFile(name, content)],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert db_snapshot() == before
    assert not DmcaNotice.objects.exists()


def test_a_signed_notice_document_is_kept_for_staff_only(people, farm, media, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    title = uploaded(farm, unique("With attachment"))
    document = b"%PDF-1.7\n% signed notice\n"
    response = client.post(
        "/legal/dmca/",
        {
            "sender_name": "Jane Doe",
            "email": "jane@example.org",
            "works": "A photograph",
            "infringing_urls": page_url(farm, title),
            "good_faith": "on",
            "accuracy_under_perjury": "on",
            "signature": "Jane Doe",
            "attachment": SimpleUploadedFile("signed.pdf", document),
        },
    )
    assert response.status_code == 201
    notice = DmcaNotice.objects.get()
    doc = notice.attachments.get()
    assert (doc.content_type, doc.size) == ("application/pdf", len(document))
    url = f"/cases/{notice.case.reference}/dmca/attachments/{doc.pk}/"
    client.logout()
    assert client.get(url).status_code == 302  # log in first
    sign_in(client, people["crc"])
    assert client.get(url).status_code == 404
    sign_in(client, people["counsel"])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == document


def test_a_notice_naming_a_revision_deletes_that_revision_only(people, alice, farm):
    title = unique("Revision notice")
    with farm.rogue_client("enwiki") as rogue:
        rogue.write({"action": "edit", "title": title, "text": "copied passage", "summary": "a"})
        old = rogue.latest_revision(title)["revid"]
        rogue.write({"action": "edit", "title": title, "text": "own words", "summary": "b"})
    base = farm.wikis["enwiki"].api_url.replace("api.php", "index.php")
    url = f"{base}?title={title.replace(' ', '_')}&oldid={old}"
    notice = legal.dmca_notice_submit(data={**notice_data(farm), "infringing_urls": [url]})
    assert notice.located == [{"wiki": "enwiki", "title": title, "revid": old}]
    case = take_down(people, alice, notice)
    op = case.operations.get(op="hide_revision")
    assert op.state == "verified"
    with farm.office("enwiki") as wiki:
        assert wiki.exists(title)  # the page stays; the infringing revision is hidden
        assert wiki.revision(old)["slots"]["main"]["texthidden"]


def test_a_second_counter_notice_cannot_undo_a_court_action(people, alice, farm):
    title = uploaded(farm, unique("Court twice"))
    case = take_down(people, alice, legal.dmca_notice_submit(data=notice_data(farm, title)))
    data = counter_data(farm, title)
    counter = counter_notices.dmca_counter_notice_submit(reference=case.reference, data=data)
    counter_notices.dmca_court_action_record(counter=counter, actor=alice, note="Case 1:26-cv-1")
    with pytest.raises(StepRefused, match="already received"):
        counter_notices.dmca_counter_notice_submit(reference=case.reference, data=data)
    elsewhere = {**data, "former_location": [page_url(farm, "Some other page")]}
    other = legal.dmca_notice_submit(data=notice_data(farm, uploaded(farm, unique("Other"))))
    other_case = take_down(people, alice, other)
    with pytest.raises(InvalidInput, match="names no material removed"):
        counter_notices.dmca_counter_notice_submit(reference=other_case.reference, data=elsewhere)


def test_a_defective_notice_does_not_block_a_corrected_one(farm, db):
    title = uploaded(farm, unique("Corrected"))
    legal.dmca_notice_submit(data=notice_data(farm, title, signature=""))
    corrected = legal.dmca_notice_submit(data=notice_data(farm, title))
    assert corrected.valid


def test_a_strange_revision_number_is_not_a_server_error(farm, db):
    url = page_url(farm, "Page") + "&oldid=\u00b2"
    response = APIClient().post(
        "/api/public/dmca/notices/", notice_data(farm, infringing_urls=[url]), format="json"
    )
    assert response.status_code == 201
    assert DmcaNotice.objects.get().located[0]["revid"] is None


def test_recreating_a_taken_down_page_is_caught_and_undone(people, alice, farm):
    title = uploaded(farm, unique("Recreated"))
    take_down(people, alice, legal.dmca_notice_submit(data=notice_data(farm, title)))
    watch.revert_watch_run()
    with farm.rogue_client("enwiki") as rogue:
        rogue.write({"action": "edit", "title": title, "text": "again", "summary": "back"})
    (incident,) = watch.revert_watch_run()
    assert (incident.change, incident.wiki_user) == ("create/create", "Rogue Admin")
    with farm.office("enwiki") as wiki:
        assert not wiki.exists(title)
