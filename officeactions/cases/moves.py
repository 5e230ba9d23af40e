"""The move service: the only code that changes a case's state. Each step re-reads the case under
a row lock (and only if the actor may see it), checks the step against the workflow table, moves
the state with a compare-and-set, and appends the audit entry, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import (
    Case,
    state_move,
)
from officeactions.cases.selectors import (
    cases_visible_to,
    pending_proposal,
    review_rule_for,
)
from officeactions.errors import NotFound, NotPermitted, StepRefused, refusal
from officeactions.policy import PolicyRefusal, Team
from officeactions.policy.reports import RESPONSE_STEPS
from officeactions.policy.review import check_reviewer
from officeactions.policy.workflow import (
    Actor,
    CaseState,
    Transition,
)


def case_lock(case: Case, actor: User) -> Case:
    """Re-read the case under a row lock, and only if this person may see it."""
    locked = cases_visible_to(actor).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise NotFound(f"No case {case.reference} that you can see.")
    return locked


def check_team_member(case: Case, actor: User, what: str) -> None:
    team = Team(case.team)
    if team.member_role not in user_roles(actor):
        raise NotPermitted(
            f"{what} on a {team.label} case needs the role of {team.member_role.label.lower()}."
        )


def check_may_take(*, case: Case, actor: User, transition: Transition) -> None:
    """Raise if this person may not take this step on this case now; the message says why."""
    try:
        transition.check_source(case.case_state)
    except PolicyRefusal as exc:
        raise refusal(exc) from None
    if transition.actor is Actor.TEAM:
        check_team_member(case, actor, transition.label)
        return
    proposal = pending_proposal(case)
    if proposal is None:
        raise StepRefused("There is no proposed action waiting for review.")
    try:
        check_reviewer(
            review_rule_for(case),
            reviewer_id=actor.pk,
            reviewer_roles=user_roles(actor),
            proposer_id=proposal.proposer_id,
            already_reviewed=proposal.reviews.values_list("reviewer_id", flat=True),
        )
    except PolicyRefusal as exc:
        raise NotPermitted(exc.message) from None


def case_step_begin(*, case: Case, actor: User, transition: Transition) -> Case:
    """For services of other apps that own a step (enforcement): lock, check, return the case.
    Call inside a transaction; finish with ``case_move``."""
    case = case_lock(case, actor)
    check_may_take(case=case, actor=actor, transition=transition)
    return case


def case_move(
    case: Case,
    transition: Transition,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Case:
    """Move the (locked, checked) case along one step of the table and audit it."""
    source, target = case.case_state, transition.target
    now, action = timezone.now(), f"case.{transition.name}"
    changes: dict[str, Any] = {"state": target, "updated_at": now}
    if action in RESPONSE_STEPS:  # decided: the first decision is the response time
        changes["decided_at"] = Coalesce("decided_at", Value(now))
    # Compare-and-set: if anything moved the case since we read it, refuse instead of overwrite.
    moved = Case.objects.filter(pk=case.pk, state=source).update(**changes)
    if moved != 1:
        raise StepRefused("The case changed while you were working on it; reload and try again.")
    with state_move():
        case.state = target
    if action in RESPONSE_STEPS and case.decided_at is None:
        case.decided_at = now
    audit_append(
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=reason,
        data={"from": source.value, "to": target.value, **(data or {})},
    )
    if CaseState.IN_EFFECT in (source, target):
        registry.call(Hook.BANS_CHANGED)
    return case
