"""Child protection: first in every queue, an immediate alert, suppression at once on the real
wiki, NCMEC reports, and confidentiality proven for every role and every public output."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from officeactions.cases import selectors
from officeactions.errors import InvalidInput, NotFound, StepRefused
from officeactions.legal import child_protection as legal
from officeactions.legal.models import NcmecReport
from tests.conftest import PERSONAS
from tests.helpers import sign_in
from tests.wikis import unique

DESIGNATED = {"designee", "designee2"}


@pytest.fixture
def farm(wiki_farm, settings):
    settings.OFFICEACTIONS_WIKI_REGISTRY = str(wiki_farm.registry_path)
    return wiki_farm


@pytest.fixture
def report(people, file_request, django_capture_on_commit_callbacks):
    for name, user in people.items():
        user.email = f"{name}@office.example"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        submission = file_request(
            action_requested="child_protection",
            community_evidence=None,
            summary="SECRET-DETAIL: an adult is grooming a minor on a talk page.",
            supporting_information="SECRET-DETAIL diffs",
        )
    return submission


def test_a_report_becomes_a_case_first_in_every_queue_with_an_alert(people, report, open_case):
    case = report.request.case
    assert case.kind == "child_protection"
    assert (case.due_at - case.received_at) == timedelta(hours=24)
    open_case("global_ban", received_at=timezone.now() - timedelta(days=40))  # overdue
    assert selectors.case_queue(people["designee"]).first() == case
    alert = [m for m in mail.outbox if "Needs attention now" in m.subject]
    assert len(alert) == 1
    assert set(alert[0].to) == {"designee@office.example", "designee2@office.example"}
    assert "SECRET-DETAIL" not in alert[0].body and "grooming" not in alert[0].body


@pytest.mark.parametrize("who", sorted(PERSONAS))
def test_only_designated_staff_ever_see_it(people, report, who, client):
    case = report.request.case
    visible = who in DESIGNATED
    sign_in(client, people[who])
    assert client.get(f"/cases/{case.reference}/").status_code == (200 if visible else 404)
    listing = client.get("/cases/?show=all").content.decode()
    assert (case.reference in listing) is visible
    api = APIClient()
    api.force_authenticate(people[who])
    assert api.get(f"/api/cases/{case.reference}/").status_code == (200 if visible else 404)
    queue = api.get("/api/queue/").json()
    refs = {c["reference"] for c in queue.get("results", [])}
    assert (case.reference in refs) is visible
    # No notification about it ever went to anyone else.
    for message in mail.outbox:
        if case.reference in message.subject + message.body and who not in DESIGNATED:
            assert f"{who}@office.example" not in message.to


def test_it_never_reaches_a_public_output(people, report, client):
    case = report.request.case
    public = [
        client.get("/transparency/dmca/").content.decode(),
        client.get("/transparency/dmca.json").content.decode(),
        client.get("/request/").content.decode(),
        client.get(f"/request/status/{report.token}/").content.decode(),
        client.get("/api/schema/").content.decode(),
    ]
    for page in public[:3] + public[4:]:
        assert case.reference not in page
    for page in public:
        assert "SECRET-DETAIL" not in page and "grooming" not in page
    # The requester sees the plain state of their own request, nothing of the work on it.
    assert "Received. It is waiting for the team to look at it." in public[3]


def test_designated_staff_suppress_at_once_on_the_wiki(people, report, farm):
    case = report.request.case
    title = unique("Harmful page")
    with farm.rogue_client("enwiki") as rogue:
        rogue.write({"action": "edit", "title": title, "text": "harmful", "summary": "x"})
        rogue.write({"action": "edit", "title": title, "text": "later", "summary": "y"})
    with farm.office("enwiki") as wiki:
        first = wiki.query(prop="revisions", titles=title, rvlimit="2", rvprop="ids")
        old_revid = first["pages"][0]["revisions"][-1]["revid"]
    base = farm.wikis["enwiki"].api_url.replace("api.php", "index.php")

    op = legal.child_protection_suppress(
        case=case,
        actor=people["designee"],
        url=f"{base}?title={title.replace(' ', '_')}&oldid={old_revid}",
    )
    assert (op.op, op.state, op.performer) == ("suppress", "verified", "office")
    with farm.rogue_client("enwiki") as rogue:  # even an administrator cannot see it
        revision = rogue.revision(old_revid)
    assert revision["suppressed"] and revision["slots"]["main"]["texthidden"]
    assert "content" not in revision["slots"]["main"]

    page_op = legal.child_protection_suppress(
        case=case, actor=people["designee"], url=f"{base}?title={title.replace(' ', '_')}"
    )
    assert (page_op.op, page_op.state) == ("delete", "verified")
    with pytest.raises(StepRefused, match="already being suppressed"):
        legal.child_protection_suppress(
            case=case, actor=people["designee"], url=f"{base}?title={title.replace(' ', '_')}"
        )
    with pytest.raises(NotFound):
        legal.child_protection_suppress(
            case=case, actor=people["agent"], url=f"{base}?title={title.replace(' ', '_')}"
        )
    with pytest.raises(InvalidInput, match="not a page on one of our wikis"):
        legal.child_protection_suppress(
            case=case, actor=people["designee"], url="https://elsewhere.example/x"
        )


def test_a_ncmec_report_is_recorded_with_its_preservation_period(people, report, client):
    case = report.request.case
    reported = timezone.now() - timedelta(hours=2)
    record = legal.ncmec_report_record(
        case=case,
        actor=people["designee"],
        report_id="CT-123456789",
        reported_at=reported,
        preserved="Revision content and IP data, in the secure store, item 42",
        law_enforcement="Referred to the FBI field office, ref 2026-77",
    )
    assert record.preservation_ends == (reported + timedelta(days=365)).date()
    assert record.referred_at is not None
    with pytest.raises(StepRefused, match="already recorded"):
        legal.ncmec_report_record(
            case=case,
            actor=people["designee2"],
            report_id="CT-123456789",
            reported_at=reported,
            preserved="x",
        )
    with pytest.raises(InvalidInput, match="in the future"):
        legal.ncmec_report_record(
            case=case,
            actor=people["designee"],
            report_id="CT-2",
            reported_at=timezone.now() + timedelta(days=1),
            preserved="x",
        )
    with pytest.raises(NotFound):
        legal.ncmec_report_record(
            case=case,
            actor=people["agent"],
            report_id="CT-3",
            reported_at=reported,
            preserved="x",
        )
    assert NcmecReport.objects.count() == 1
    sign_in(client, people["designee2"])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "CT-123456789" in page
    api = APIClient()
    api.force_authenticate(people["designee2"])
    response = api.post(
        f"/api/cases/{case.reference}/child-protection/ncmec/",
        {"report_id": "CT-555", "reported_at": reported.isoformat(), "preserved": "Item 43"},
        format="json",
    )
    assert response.status_code == 201


def test_acting_alone_makes_a_second_review_due_within_24_hours(people, report, client):
    from officeactions.cases import services
    from officeactions.errors import NotPermitted
    from tests.helpers import walk

    case = report.request.case
    designee = people["designee"]
    walk(case, (designee, "accept"), (designee, "start_investigation"))
    services.proposal_create(case=case, actor=designee, rationale="Remove and report.")
    walk(case, (designee, "submit_for_review"))
    services.review_submit(case=case, actor=designee, decision="approve")  # alone, at once
    case.refresh_from_db()
    assert case.state == "approved"
    assert case.follow_up_due_at - timezone.now() <= timedelta(hours=24)
    assert case.follow_up_due_at - timezone.now() > timedelta(hours=23)
    with pytest.raises(NotPermitted, match="someone other than"):
        services.case_follow_up_review(case=case, actor=designee, comment="fine")
    with pytest.raises(NotFound):
        services.case_follow_up_review(case=case, actor=people["reviewer1"], comment="fine")
    with pytest.raises(InvalidInput, match="needs a comment"):
        services.case_follow_up_review(case=case, actor=people["designee2"], comment=" ")
    review = services.case_follow_up_review(
        case=case, actor=people["designee2"], comment="Checked the diffs; removal was right."
    )
    assert review.in_time
    with pytest.raises(StepRefused, match="No second review is due"):
        services.case_follow_up_review(case=case, actor=people["designee2"], comment="again")
    sign_in(client, people["designee"])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Reviewed by designee2" in page
