"""Every transition and every refusal, through the service layer."""

import pytest

from officeactions.audit.models import AuditEntry
from officeactions.cases import services, subjects
from officeactions.cases.models import Case, ProposedAction
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.policy.workflow import CaseState
from tests.helpers import DIRECT_BAN, db_snapshot, walk

S = CaseState


def last_entry(case):
    return AuditEntry.objects.filter(case=case).order_by("-seq").first()


def test_it_opens_a_case_in_received_routed_to_the_catalog_team(people, open_case):
    case = open_case("dmca_takedown")
    assert case.state == S.RECEIVED
    assert case.team == "legal"
    assert list(case.assignees.all()) == [people["counsel"]]
    assert last_entry(case).action == "case.assign"
    assert AuditEntry.objects.filter(case=case, action="case.open").exists()


@pytest.mark.parametrize(
    ("step", "target", "reason"),
    [
        ("accept", S.ACCEPTED, ""),
        ("defer", S.DEFERRED, "Community processes first."),
        ("decline_request", S.REJECTED, "Not an office matter."),
        ("mark_abusive", S.ABUSIVE, "Threats against staff."),
    ],
)
def test_triage_steps(people, file_request, step, target, reason):
    case = file_request().request.case
    case = walk(case, (people["agent2"], step, reason))
    assert case.state == target
    case.refresh_from_db()
    assert case.state == target
    entry = AuditEntry.objects.get(case=case, action=f"case.{step}")
    assert (entry.actor_name, entry.reason) == ("agent2", reason)
    assert entry.data == {"from": "received", "to": target.value}
    # Whoever accepts a case is on it; the other triage outcomes close it without assigning.
    assert (people["agent2"] in case.assignees.all()) is (step == "accept")


def test_it_walks_a_global_ban_to_approved(people, open_case):
    agent = people["agent"]
    case = open_case("global_ban")
    walk(case, (agent, "accept"), (agent, "start_investigation"))
    proposal = services.proposal_create(
        case=case, actor=agent, rationale="Threats on 3 wikis.", terms=DIRECT_BAN
    )
    case.refresh_from_db()
    assert case.state == S.ACTION_PROPOSED
    walk(case, (agent, "submit_for_review"))
    services.review_submit(case=case, actor=people["reviewer1"], decision="approve")
    services.review_submit(case=case, actor=people["reviewer2"], decision="approve")
    services.review_submit(case=case, actor=people["reviewer3"], decision="approve")
    case.refresh_from_db()
    assert case.state == S.IN_REVIEW, "three reviewers are not enough without legal counsel"
    services.review_submit(case=case, actor=people["counsel"], decision="approve")
    case.refresh_from_db()
    proposal.refresh_from_db()
    assert case.state == S.APPROVED
    assert proposal.status == ProposedAction.Status.APPROVED
    actions = list(AuditEntry.objects.filter(case=case).values_list("action", flat=True))
    assert actions[-6:] == [
        "case.submit_for_review",
        "review.approve",
        "review.approve",
        "review.approve",
        "review.approve",
        "case.approve",
    ]
    approve = last_entry(case)
    assert approve.actor_name == "counsel"
    assert approve.data["to"] == "approved"


def test_a_declining_reviewer_declines_the_case_with_a_reason(people, case_in_review):
    case = case_in_review()
    services.review_submit(case=case, actor=people["reviewer1"], decision="approve")
    with pytest.raises(InvalidInput, match="needs a reason"):
        services.review_submit(case=case, actor=people["reviewer2"], decision="decline")
    services.review_submit(
        case=case, actor=people["reviewer2"], decision="decline", comment="Not proportionate."
    )
    case.refresh_from_db()
    assert case.state == S.DECLINED
    assert last_entry(case).reason == "Not proportionate."
    assert case.proposals.get().status == ProposedAction.Status.DECLINED


def test_withdrawing_a_proposal_returns_to_investigation_and_voids_its_reviews(
    people, case_in_review
):
    case = case_in_review()
    services.review_submit(case=case, actor=people["reviewer1"], decision="approve")
    walk(case, (people["agent"], "withdraw_proposal", "New evidence arrived."))
    case.refresh_from_db()
    assert case.state == S.INVESTIGATING
    assert case.proposals.get().status == ProposedAction.Status.WITHDRAWN
    # A new proposal starts with no approvals.
    services.proposal_create(
        case=case, actor=people["agent"], rationale="Wider ban.", terms=DIRECT_BAN
    )
    walk(case, (people["agent"], "submit_for_review"))
    services.review_submit(case=case, actor=people["reviewer1"], decision="approve")
    case.refresh_from_db()
    assert case.state == S.IN_REVIEW


@pytest.mark.parametrize(
    ("kind", "approvers", "approved_after"),
    [
        ("event_ban", ["reviewer1", "reviewer2"], 2),
        ("dmca_takedown", ["counsel2"], 1),
        ("conduct_warning", ["reviewer1", "agent2"], 2),
        ("rights_removal", ["reviewer1", "counsel"], 2),
        ("page_protection", ["counsel"], 1),
        ("range_block", ["reviewer1", "reviewer2"], 2),
    ],
)
def test_each_kind_is_approved_exactly_when_its_rule_is_met(
    people, case_in_review, kind, approvers, approved_after
):
    terms = {
        "page_protection": {"grounds": "Court order 123", "wiki": "enwiki", "page": "X"},
        "rights_removal": {
            "wiki": "enwiki",
            "username": "Admin",
            "groups": "sysop",
            "no_rights_period": "12 months",
            "reapply_criteria": "A new RfA",
        },
    }.get(kind)
    case = case_in_review(kind, terms=terms)
    if case.action_kind.is_confidential:  # reviewers of a confidential case must be on it
        for user in approvers:
            services.case_assign(case=case, actor=case.created_by, user=people[user])
    for n, user in enumerate(approvers, start=1):
        services.review_submit(case=case, actor=people[user], decision="approve")
        case.refresh_from_db()
        assert case.state == (S.APPROVED if n >= approved_after else S.IN_REVIEW)


def test_child_protection_designee_may_act_alone(people, case_in_review):
    case = case_in_review("child_protection")
    assert case.created_by == people["designee"]
    services.review_submit(case=case, actor=people["designee"], decision="approve")
    case.refresh_from_db()
    assert case.state == S.APPROVED


def test_checkuser_needs_its_justification_and_then_no_approver(people, open_case):
    agent = people["agent"]
    case = walk(open_case("checkuser"), (agent, "accept"), (agent, "start_investigation"))
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="must record: purpose, no other reasonable way"):
        services.proposal_create(case=case, actor=agent, rationale="Threat of harm.")
    assert db_snapshot() == before
    services.proposal_create(
        case=case,
        actor=agent,
        rationale="Threat of harm.",
        terms={"purpose": "emergency threat", "no_other_reasonable_way": "Nothing else to go on."},
    )
    case = walk(case, (agent, "submit_for_review"))
    assert case.state == S.APPROVED
    assert last_entry(case).reason == "The catalog requires no approver for this kind."


def test_range_block_enforcing_a_global_ban_needs_the_ban_review(people, open_case):
    ban = open_case("global_ban")
    agent = people["agent"]
    block = open_case("range_block", enforces=ban)
    walk(block, (agent, "accept"), (agent, "start_investigation"))
    services.proposal_create(case=block, actor=agent, rationale="Range 203.0.113.0/24.")
    walk(block, (agent, "submit_for_review"))
    for user in ("reviewer1", "reviewer2", "reviewer3"):
        services.review_submit(case=block, actor=people[user], decision="approve")
    block.refresh_from_db()
    assert block.state == S.IN_REVIEW
    services.review_submit(case=block, actor=people["counsel"], decision="approve")
    block.refresh_from_db()
    assert block.state == S.APPROVED


# Refusals: each names the problem and changes nothing.


def refused(exc_type, match, fn, **kwargs):
    before = db_snapshot()
    with pytest.raises(exc_type, match=match):
        fn(**kwargs)
    assert db_snapshot() == before


def test_a_step_from_the_wrong_state_is_refused(people, open_case):
    case = open_case()
    refused(
        StepRefused,
        "Cannot submit for review: the case is received",
        services.case_transition,
        case=case,
        actor=people["agent"],
        name="submit_for_review",
    )
    refused(
        StepRefused,
        "Cannot propose action",
        services.proposal_create,
        case=case,
        actor=people["agent"],
        rationale="x",
    )
    refused(
        StepRefused,
        "Cannot approve",
        services.review_submit,
        case=case,
        actor=people["reviewer1"],
        decision="approve",
    )


def test_closed_cases_take_no_more_steps(people, open_case):
    case = walk(open_case(), (people["agent"], "defer", "Community first."))
    refused(
        StepRefused,
        "the case is deferred to community governance",
        services.case_transition,
        case=case,
        actor=people["agent"],
        name="accept",
    )


def test_unknown_steps_and_dedicated_steps_are_refused(people, open_case):
    case = open_case()
    refused(
        InvalidInput,
        "Unknown step 'ban'",
        services.case_transition,
        case=case,
        actor=people["agent"],
        name="ban",
    )
    refused(
        InvalidInput,
        "its own step",
        services.case_transition,
        case=case,
        actor=people["agent"],
        name="approve",
    )


def test_a_reason_is_required_where_the_policy_wants_one(people, open_case):
    case = open_case()
    refused(
        InvalidInput,
        "Defer to community needs a reason",
        services.case_transition,
        case=case,
        actor=people["agent"],
        name="defer",
        reason=" ",
    )


def test_the_proposer_cannot_approve(people, case_in_review):
    case = case_in_review("global_ban")
    refused(
        NotPermitted,
        "proposer of an action cannot review it",
        services.review_submit,
        case=case,
        actor=people["agent"],
        decision="approve",
    )


def test_a_reviewer_cannot_approve_twice(people, case_in_review):
    case = case_in_review("global_ban")
    services.review_submit(case=case, actor=people["reviewer1"], decision="approve")
    refused(
        NotPermitted,
        "already reviewed",
        services.review_submit,
        case=case,
        actor=people["reviewer1"],
        decision="approve",
    )


def test_an_approval_without_the_needed_role_is_refused(people, case_in_review):
    case = case_in_review("dmca_takedown")
    refused(
        NotPermitted,
        "needs the role of legal counsel",
        services.review_submit,
        case=case,
        actor=people["reviewer1"],
        decision="approve",
    )
    refused(
        InvalidInput,
        "'approve' or 'decline', not 'maybe'",
        services.review_submit,
        case=case,
        actor=people["counsel2"],
        decision="maybe",
    )


def test_team_steps_need_the_owning_team_role(people, open_case):
    dmca = open_case("dmca_takedown")
    refused(
        NotPermitted,
        "Legal case needs the role of legal counsel",
        services.case_transition,
        case=dmca,
        actor=people["agent"],
        name="accept",
    )
    ban = open_case("global_ban")
    for who in ("reviewer1", "auditor", "counsel"):
        refused(
            NotPermitted,
            "needs the role of trust & safety staff",
            services.case_transition,
            case=ban,
            actor=people[who],
            name="accept",
        )


def test_people_who_cannot_see_a_case_get_not_found(people, open_case):
    warning = open_case("conduct_warning")
    for who in ("agent2", "reviewer1", "crc", "outsider"):
        refused(
            NotFound,
            "No case",
            services.case_transition,
            case=warning,
            actor=people[who],
            name="accept",
        )


def test_opening_a_case_validates_everything_before_writing(people):
    refused(
        InvalidInput,
        "Unknown action kind 'siteban'",
        services.case_open,
        actor=people["agent"],
        kind="siteban",
        title="x",
    )
    refused(
        InvalidInput,
        "needs a title",
        services.case_open,
        actor=people["agent"],
        kind="global_ban",
        title=" ",
    )
    refused(
        InvalidInput,
        "belongs to Trust & Safety, not Legal",
        services.case_open,
        actor=people["counsel"],
        kind="global_ban",
        title="x",
        team="legal",
    )
    refused(
        NotPermitted,
        "needs the role of legal counsel",
        services.case_open,
        actor=people["agent"],
        kind="dmca_takedown",
        title="x",
    )


def test_page_protection_may_be_owned_by_legal(people):
    case = services.case_open(
        actor=people["counsel"], kind="page_protection", title="Court order", team="legal"
    )
    assert case.team == "legal"


def test_subject_addresses_and_evidence_urls_are_validated(people, open_case):
    refused(
        InvalidInput,
        "'10.0.0.1/8' is not an IP address or a CIDR range",
        services.subject_create,
        actor=people["agent"],
        display_name="X",
        addresses=["198.51.100.7", "10.0.0.1/8"],
    )
    case = open_case()
    refused(
        InvalidInput,
        "not a valid http",
        services.evidence_add,
        case=case,
        actor=people["agent"],
        url="javascript:alert(1)",
    )
    refused(
        InvalidInput,
        "needs a URL or a note",
        services.evidence_add,
        case=case,
        actor=people["agent"],
    )
    evidence = services.evidence_add(
        case=case, actor=people["agent"], url="https://en.wikipedia.org/wiki/Special:Diff/1"
    )
    assert evidence.url.endswith("Diff/1")


def test_child_protection_cases_take_only_designated_staff(people, open_case):
    case = open_case("child_protection")
    refused(
        NotPermitted,
        "Only designated child-protection staff",
        services.case_assign,
        case=case,
        actor=people["designee"],
        user=people["agent"],
    )
    services.case_assign(case=case, actor=people["designee"], user=people["designee2"])
    refused(
        StepRefused,
        "already on this case",
        services.case_assign,
        case=case,
        actor=people["designee"],
        user=people["designee2"],
    )


def test_the_person_is_recorded_on_a_case_that_came_without_one(people, file_request, client):
    from django.urls import reverse

    from tests.helpers import sign_in

    case = file_request().request.case
    assert case.subject is None
    with pytest.raises(NotPermitted):
        subjects.case_subject_record(case=case, actor=people["reviewer1"], display_name="X")
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="not an IP address"):
        subjects.case_subject_record(
            case=case, actor=people["agent"], display_name="X", addresses=["300.1.1.1"]
        )
    assert db_snapshot() == before  # nothing half-written: no subject without its case link

    sign_in(client, people["agent"])
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert b"Record the person" in page.content
    client.post(
        reverse("cases:subject", args=[case.reference]),
        {"subject_name": "", "accounts": "enwiki:Reported User\ndewiki:Reported User"},
    )
    case.refresh_from_db()
    assert case.subject.display_name == "Reported User"
    assert sorted(case.subject.accounts.values_list("wiki", flat=True)) == ["dewiki", "enwiki"]
    assert AuditEntry.objects.filter(case=case, action="case.subject_recorded").exists()
    with pytest.raises(StepRefused, match="already names its person"):
        subjects.case_subject_record(case=case, actor=people["agent"], display_name="Other")


def test_the_person_is_recorded_through_the_api_and_refused_after_a_proposal(people, open_case):
    from rest_framework.test import APIClient

    case = open_case()
    api = APIClient()
    api.force_authenticate(people["agent"])
    bad = api.post(f"/api/cases/{case.reference}/subject/", {"accounts": "x"}, format="json")
    assert bad.status_code == 400
    ok = api.post(
        f"/api/cases/{case.reference}/subject/",
        {"display_name": "P", "accounts": [{"wiki": "enwiki", "username": "P"}]},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["subject"]["display_name"] == "P"
    other = open_case()
    walk(other, (people["agent"], "accept"), (people["agent"], "start_investigation"))
    services.proposal_create(
        case=other, actor=people["agent"], rationale="r", terms={"why_no_warning": "threats"}
    )
    late = api.post(f"/api/cases/{other.reference}/subject/", {"display_name": "P"}, format="json")
    assert late.status_code == 409 and "before an action is proposed" in late.json()["message"]


def test_the_decision_time_is_recorded_on_the_case(people, case_in_review, open_case):
    case = case_in_review()
    assert case.decided_at is None
    for who in ("reviewer1", "reviewer2", "counsel"):
        services.review_submit(case=case, actor=people[who], decision="approve")
    case.refresh_from_db()
    approved = AuditEntry.objects.get(case=case, action="case.approve").created_at
    assert case.case_state is CaseState.APPROVED
    assert abs((case.decided_at - approved).total_seconds()) < 1  # the same step

    deferred = open_case()
    walk(deferred, (people["agent"], "accept"))
    deferred.refresh_from_db()
    assert deferred.decided_at is None  # accepting is not deciding
    other = open_case()
    other = services.case_transition(
        case=other, actor=people["agent"], name="defer", reason="A community matter."
    )
    other.refresh_from_db()
    deferral = AuditEntry.objects.get(case=other, action="case.defer").created_at
    assert abs((other.decided_at - deferral).total_seconds()) < 1


def test_a_case_state_changes_only_through_a_step(people, open_case):
    """Assigning Case.state outside the move service raises; the step itself still moves it,
    and reading the case back from the database is no move."""
    case = open_case()
    with pytest.raises(AttributeError, match="only through a step"):
        case.state = CaseState.IN_EFFECT
    moved = services.case_transition(case=case, actor=people["agent"], name="accept")
    assert moved.state == CaseState.ACCEPTED
    case.refresh_from_db()
    assert case.state == Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
