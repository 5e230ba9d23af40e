"""The policy core alone: no database, no Django."""

import subprocess
import sys

import pytest

from officeactions.policy import CATALOG, PolicyRefusal, Role, Team, Visibility
from officeactions.policy.catalog import AppealRoute, Performer
from officeactions.policy.review import Approval, check_reviewer, missing_terms, quorum
from officeactions.policy.workflow import TRANSITIONS, CaseState, get_transition

R = Role


def test_it_imports_nothing_from_django():
    code = (
        "import sys, officeactions.policy, officeactions.policy.review, "
        "officeactions.policy.workflow; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("code", "team", "response", "approvals", "must_include", "appeal"),
    [
        ("global_ban", Team.TRUST_AND_SAFETY, "4 weeks", 3, {R.LEGAL_COUNSEL}, True),
        ("event_ban", Team.TRUST_AND_SAFETY, "4 weeks", 2, set(), True),
        ("dmca_takedown", Team.LEGAL, "7 business days", 1, {R.LEGAL_COUNSEL}, False),
        ("child_protection", Team.TRUST_AND_SAFETY, "24 hours", 1, set(), False),
        ("conduct_warning", Team.TRUST_AND_SAFETY, None, 2, set(), True),
        ("rights_removal", Team.TRUST_AND_SAFETY, None, 2, set(), True),
        ("checkuser", Team.TRUST_AND_SAFETY, None, 0, set(), False),
        ("page_protection", Team.TRUST_AND_SAFETY, None, 1, {R.LEGAL_COUNSEL}, True),
        ("range_block", Team.TRUST_AND_SAFETY, "as the action it enforces", 2, set(), False),
    ],
)
def test_it_holds_the_design_numbers(code, team, response, approvals, must_include, appeal):
    kind = CATALOG.get(code)
    assert kind.team is team
    assert (kind.response.describe() if kind.response else None) == response
    assert kind.review.approvals == approvals
    assert kind.review.must_include == frozenset(must_include)
    assert kind.appeal.appealable is appeal


def test_it_has_all_nine_kinds():
    assert len(CATALOG) == 9


def test_confidential_kinds_are_the_policy_ones():
    confidential = {k.code for k in CATALOG if k.is_confidential}
    assert confidential == {"conduct_warning", "child_protection", "checkuser"}
    assert CATALOG.get("child_protection").visibility is Visibility.DESIGNATED
    assert CATALOG.get("child_protection").visibility_roles == {R.CHILD_PROTECTION}


def test_appeal_windows_are_six_months_where_appealable():
    for kind in CATALOG:
        if kind.appeal.appealable:
            assert kind.appeal.window_months == 6, kind.code
    assert CATALOG.get("dmca_takedown").appeal.route is AppealRoute.COUNTER_NOTICE


def test_secondary_actions_are_marked_secondary():
    secondary = {k.code for k in CATALOG if not k.primary}
    assert {"conduct_warning", "rights_removal", "checkuser", "page_protection"} <= secondary
    assert {"global_ban", "event_ban", "dmca_takedown", "child_protection"}.isdisjoint(secondary)


def test_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(PolicyRefusal, match=r"Unknown action kind 'siteban'.*global_ban"):
        CATALOG.get("siteban")


def test_range_block_takes_the_rule_and_account_of_the_action_it_enforces():
    range_block, ban, dmca = (
        CATALOG.get(c) for c in ("range_block", "global_ban", "dmca_takedown")
    )
    assert CATALOG.review_rule(range_block, ban) is ban.review
    assert CATALOG.review_rule(range_block) is range_block.review
    assert CATALOG.performer(range_block, ban) is Performer.OFFICE_ACCOUNT
    assert CATALOG.performer(range_block, dmca) is Performer.STAFF_ACCOUNT
    assert CATALOG.performer(range_block) is Performer.STAFF_ACCOUNT


def test_operators_can_change_review_numbers_without_code():
    changed = CATALOG.with_review_overrides({"global_ban": {"approvals": 4}})
    assert changed.get("global_ban").review.approvals == 4
    assert CATALOG.get("global_ban").review.approvals == 3  # the original is untouched
    with pytest.raises(PolicyRefusal, match="unknown fields: colour"):
        CATALOG.with_review_overrides({"global_ban": {"colour": "red"}})
    with pytest.raises(PolicyRefusal, match="Unknown action kind"):
        CATALOG.with_review_overrides({"nope": {"approvals": 1}})


def _a(pk, *roles):
    return Approval(pk, frozenset(roles))


def test_global_ban_needs_three_distinct_approvers_including_legal_counsel():
    rule = CATALOG.get("global_ban").review
    three_reviewers = quorum(rule, [_a(1, R.REVIEWER), _a(2, R.REVIEWER), _a(3, R.REVIEWER)])
    assert not three_reviewers.met
    assert three_reviewers.missing == ("an approval by legal counsel",)
    with_counsel = quorum(rule, [_a(1, R.REVIEWER), _a(2, R.REVIEWER), _a(4, R.LEGAL_COUNSEL)])
    assert with_counsel.met
    same_person_twice = quorum(rule, [_a(1, R.REVIEWER), _a(1, R.REVIEWER), _a(4, R.LEGAL_COUNSEL)])
    assert not same_person_twice.met
    assert same_person_twice.missing == ("1 more approver",)


def test_the_proposer_cannot_review_except_where_one_person_may_act_at_once():
    ban = CATALOG.get("global_ban").review
    with pytest.raises(PolicyRefusal, match="proposer"):
        check_reviewer(
            ban,
            reviewer_id=1,
            reviewer_roles=frozenset({R.REVIEWER}),
            proposer_id=1,
            already_reviewed=[],
        )
    child = CATALOG.get("child_protection").review
    check_reviewer(
        child,
        reviewer_id=1,
        reviewer_roles=frozenset({R.CHILD_PROTECTION}),
        proposer_id=1,
        already_reviewed=[],
    )


def test_a_reviewer_reviews_once_and_needs_an_eligible_role():
    rule = CATALOG.get("dmca_takedown").review
    with pytest.raises(PolicyRefusal, match="already reviewed"):
        check_reviewer(
            rule,
            reviewer_id=2,
            reviewer_roles=frozenset({R.LEGAL_COUNSEL}),
            proposer_id=1,
            already_reviewed=[2],
        )
    with pytest.raises(PolicyRefusal, match="needs the role of legal counsel"):
        check_reviewer(
            rule,
            reviewer_id=2,
            reviewer_roles=frozenset({R.REVIEWER, R.TS_STAFF}),
            proposer_id=1,
            already_reviewed=[],
        )


def test_checkuser_must_record_purpose_and_justification():
    rule = CATALOG.get("checkuser").review
    assert missing_terms(rule, {}) == ["purpose", "no_other_reasonable_way"]
    assert missing_terms(rule, {"purpose": "x", "no_other_reasonable_way": " "}) == [
        "no_other_reasonable_way"
    ]
    assert missing_terms(rule, {"purpose": "x", "no_other_reasonable_way": "y"}) == []


def test_transitions_refuse_the_wrong_state_with_the_reason():
    submit = get_transition("submit_for_review")
    with pytest.raises(PolicyRefusal, match=r"the case is received.*action proposed"):
        submit.check_source(CaseState.RECEIVED)
    with pytest.raises(PolicyRefusal, match="needs a reason"):
        get_transition("defer").check_reason("  ")
    with pytest.raises(PolicyRefusal, match="Unknown step 'ban_now'"):
        get_transition("ban_now")


def test_every_state_but_the_closed_ones_has_a_way_forward():
    from officeactions.policy.workflow import CLOSED_STATES, IN_EFFECT_TRANSITION

    sources = set().union(*(t.sources for t in TRANSITIONS.values()), IN_EFFECT_TRANSITION.sources)
    assert set(CaseState) - CLOSED_STATES <= sources
