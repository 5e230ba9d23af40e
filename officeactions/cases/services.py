"""Writes: every change to a case goes through one function here.

Each function checks who may do it and from which state, runs in one transaction with the
case row locked, and writes its audit entry in that same transaction. Views, the API, commands
and tasks call these; none of them changes a case on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.configured import catalog, office_time_zone
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import (
    Case,
    CaseAssignment,
    CaseDelay,
    Evidence,
    FollowUpReview,
    ProposedAction,
    Review,
    Subject,
)
from officeactions.cases.moves import (
    case_lock,
    case_move,
    check_may_take,
    check_team_member,
)
from officeactions.cases.reminders import case_alert, reminders_schedule
from officeactions.cases.selectors import (
    case_get_visible,
    cases_visible_to,
    earlier_warnings,
    pending_proposal,
    proposal_quorum,
    review_rule_for,
    subject_get_visible,
)
from officeactions.cases.subjects import subject_create
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.policy import STAFF_ROLES, PolicyRefusal, Team, Visibility
from officeactions.policy.clocks import DelayReason, due_at
from officeactions.policy.review import missing_terms
from officeactions.policy.sanctions import (
    check_direct_ban,
    check_rights_terms,
)
from officeactions.policy.workflow import (
    CLOSED_STATES,
    TRANSITIONS,
    CaseState,
    get_transition,
)

_http_url = URLValidator(schemes=["http", "https"])


def clean_url(url: str) -> str:
    url = url.strip()
    try:
        _http_url(url)
    except ValidationError:
        raise InvalidInput(f"{url!r} is not a valid http(s) URL.") from None
    return url


def _create_case(
    *,
    actor: User | None,
    action_kind,
    team: Team,
    title: str,
    summary: str = "",
    subject: Subject | None = None,
    enforces: Case | None = None,
    received_at=None,
    reference: str | None = None,
) -> Case:
    received_at = received_at or timezone.now()
    target = action_kind.response
    if enforces is not None and target is not None and target.same_as_enforced_action:
        due = enforces.due_at  # a range block enforcing a ban runs on that ban's clock
    else:
        due = due_at(target, received_at, office_time_zone())
    extra = {"reference": reference} if reference else {}
    case = Case.objects.create(
        kind=action_kind.code,
        team=team.value,
        title=title.strip()[:200],
        summary=summary,
        subject=subject,
        enforces=enforces,
        received_at=received_at,
        due_at=due,
        queue_priority=0 if action_kind.first_in_queue else 1,
        created_by=actor,
        **extra,
    )
    audit_append(
        actor=actor,
        action="case.open",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"kind": case.kind, "team": case.team, "to": CaseState.RECEIVED.value},
    )
    reminders_schedule(case)
    if action_kind.alert_roles:
        case_alert(case, action_kind.alert_roles)
    return case


@transaction.atomic
def case_open(
    *,
    actor: User,
    kind: str,
    title: str,
    summary: str = "",
    team: str | None = None,
    subject: Subject | None = None,
    enforces: Case | None = None,
    received_at=None,
) -> Case:
    """Open a case in the received state, owned by the team the catalog names."""
    try:
        action_kind = catalog().get(kind)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    if not title.strip():
        raise InvalidInput("A case needs a title.")
    try:
        owning = Team(team) if team else action_kind.team
    except ValueError:
        raise InvalidInput(f"Unknown team {team!r}.") from None
    if owning not in action_kind.teams:
        allowed = " or ".join(t.label for t in action_kind.teams)
        raise InvalidInput(f"A {action_kind.name} case belongs to {allowed}, not {owning.label}.")
    if owning.member_role not in user_roles(actor):
        raise NotPermitted(
            f"Opening a {owning.label} case needs the role of {owning.member_role.label.lower()}."
        )
    if enforces is not None:
        if not cases_visible_to(actor).filter(pk=enforces.pk).exists():
            raise NotFound(f"No case {enforces.reference} that you can see.")
        # The enforced action lends its review rule: only the kinds the catalog names may be.
        if enforces.kind not in action_kind.enforces_kinds or enforces.case_state in (
            CaseState.DECLINED,
            CaseState.REJECTED,
            CaseState.DEFERRED,
            CaseState.ABUSIVE,
            CaseState.LIFTED,
            CaseState.EXPIRED,
        ):
            allowed = ", ".join(action_kind.enforces_kinds) or "nothing"
            raise InvalidInput(
                f"A {action_kind.name} can enforce only a live {allowed} case, not "
                f"{enforces.reference} ({enforces.action_kind.name}, {enforces.case_state.label})."
            )
    case = _create_case(
        actor=actor,
        action_kind=action_kind,
        team=owning,
        title=title,
        summary=summary,
        subject=subject,
        enforces=enforces,
        received_at=received_at,
    )
    if _may_be_assigned(case, actor):
        _assign(case, actor, actor)
    return case


@transaction.atomic
def case_open_from_input(
    *,
    actor: User,
    kind: str,
    title: str,
    summary: str = "",
    team: str | None = None,
    enforces: str = "",
    subject_id: int | None = None,
    subject_name: str = "",
    accounts: Iterable[tuple[str, str]] = (),
    addresses: Iterable[str] = (),
) -> Case:
    """Open a case as the page and the API ask for it: the case it enforces and a person on
    record by reference and id (only ones this person may see), or a new person described."""
    found = case_get_visible(actor, enforces.strip()) if enforces.strip() else None
    accounts, addresses = list(accounts), list(addresses)
    subject = None
    if subject_id:
        subject = subject_get_visible(actor, subject_id)
    elif subject_name or accounts or addresses:
        subject = subject_create(
            actor=actor, display_name=subject_name, accounts=accounts, addresses=addresses
        )
    return case_open(
        actor=actor,
        kind=kind,
        title=title,
        summary=summary,
        team=team,
        subject=subject,
        enforces=found,
    )


def case_open_for_request(
    *, reference: str | None, kind: str, title: str, summary: str, received_at
) -> Case:
    """Open the case a complete public request becomes: no staff actor, routed by the catalog.

    Called by the intake and legal services, inside their transaction. The case takes the
    request's reference, or a new one when there is none (None).
    """
    action_kind = catalog().get(kind)
    return _create_case(
        actor=None,
        action_kind=action_kind,
        team=action_kind.team,
        title=title,
        summary=summary,
        received_at=received_at,
        reference=reference,
    )


def _may_be_assigned(case: Case, user: User) -> bool:
    kind = case.action_kind
    roles = user_roles(user)
    if not roles & STAFF_ROLES:
        return False
    if kind.visibility is Visibility.DESIGNATED:
        return bool(roles & kind.visibility_roles)
    return True


def _assign(case: Case, actor: User, user: User) -> None:
    try:
        with transaction.atomic():
            CaseAssignment.objects.create(case=case, user=user)
    except IntegrityError:
        raise StepRefused(f"{user.get_username()} is already on this case.") from None
    audit_append(
        actor=actor,
        action="case.assign",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"assignee": user.get_username()},
    )


@transaction.atomic
def case_assign(*, case: Case, actor: User, user: User) -> None:
    case = case_lock(case, actor)
    check_team_member(case, actor, "Assigning staff")
    if not _may_be_assigned(case, user):
        kind = case.action_kind
        if kind.visibility is Visibility.DESIGNATED:
            who = " or ".join(r.label.lower() for r in kind.visibility_roles)
            raise NotPermitted(f"Only {who} may be on a {kind.name} case.")
        raise NotPermitted(f"{user.get_username()} holds no staff role and cannot be on a case.")
    _assign(case, actor, user)


TRIAGE_STEPS = frozenset({"accept", "defer", "decline_request", "mark_abusive"})


@transaction.atomic
def case_transition(
    *,
    case: Case,
    actor: User,
    name: str,
    reason: str = "",
    message_to_requester: str = "",
    seriousness: int = 1,
    bad_faith: bool = False,
) -> Case:
    """Take a plain step (triage, investigation, submit, withdraw) on a case.

    Triage steps on a case that came from a public request also answer the requester (a
    templated message unless staff write one) and, for ``mark_abusive``, apply the abusive
    requester rule with the given seriousness (1-3) and presumed bad faith.
    """
    try:
        transition = get_transition(name)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    if transition.dedicated_step:
        raise InvalidInput(
            f"{transition.label} is its own step: use the proposal or review form, not a bare "
            "transition."
        )
    case = case_lock(case, actor)
    check_may_take(case=case, actor=actor, transition=transition)
    try:
        transition.check_reason(reason)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    proposal = pending_proposal(case)
    if transition.name == "withdraw_proposal" and proposal is not None:
        proposal.status = ProposedAction.Status.WITHDRAWN
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
    case_move(case, transition, actor, reason)
    accepting = transition.name == "accept" and _may_be_assigned(case, actor)
    if accepting and not CaseAssignment.objects.filter(case=case, user=actor).exists():
        _assign(case, actor, actor)  # whoever accepts a case is on it
    if transition.name in TRIAGE_STEPS:
        registry.call(
            Hook.AFTER_TRIAGE,
            case=case,
            actor=actor,
            step=transition.name,
            message=message_to_requester,
            seriousness=seriousness,
            bad_faith=bad_faith,
        )
    if transition.target is CaseState.IN_REVIEW and review_rule_for(case).approvals == 0:
        # The catalog asks for no approver here (staff CheckUser): the recorded terms are the
        # check, and the proposal stands approved as submitted.
        if proposal is None:
            raise StepRefused("There is no proposed action to approve.")
        _approve(case, proposal, actor, "The catalog requires no approver for this kind.")
    return case


def _approve(case: Case, proposal: ProposedAction, actor: User, reason: str) -> None:
    proposal.status = ProposedAction.Status.APPROVED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    case_move(case, TRANSITIONS["approve"], actor, reason, {"proposal": proposal.pk})
    if actor.pk == proposal.proposer_id:
        case_follow_up_require(case=case, actor=actor)


def case_follow_up_require(*, case: Case, actor: User) -> None:
    """One person acted alone where the rule allows it: a second review falls due."""
    hours = review_rule_for(case).follow_up_review_hours
    if not hours or case.follow_up_due_at is not None:
        return
    case.follow_up_due_at = timezone.now() + timedelta(hours=hours)
    case.follow_up_after = actor
    case.save(update_fields=["follow_up_due_at", "follow_up_after"])
    audit_append(
        actor=actor,
        action="case.follow_up_due",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"due": case.follow_up_due_at.isoformat()},
    )
    from officeactions.cases.tasks import case_reminder

    case_reminder.using(run_after=case.follow_up_due_at).enqueue(case.pk, "follow_up")


@transaction.atomic
def case_follow_up_review(*, case: Case, actor: User, comment: str) -> FollowUpReview:
    """The second review of an action one person took alone, by someone else."""
    case = case_lock(case, actor)
    if case.follow_up_due_at is None or case.follow_up_reviews.exists():
        raise StepRefused("No second review is due on this case.")
    rule = review_rule_for(case)
    if not user_roles(actor) & rule.eligible_roles:
        who = " or ".join(r.label.lower() for r in rule.eligible_roles)
        raise NotPermitted(f"The second review needs the role of {who}.")
    if actor.pk == case.follow_up_after_id:
        raise NotPermitted("The second review must be by someone other than the person who acted.")
    if not comment.strip():
        raise InvalidInput("A second review needs a comment: what was checked, and the finding.")
    review = FollowUpReview.objects.create(
        case=case,
        reviewer=actor,
        comment=comment.strip(),
        in_time=timezone.now() <= case.follow_up_due_at,
    )
    audit_append(
        actor=actor,
        action="case.follow_up_review",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=comment.strip(),
        data={"in_time": review.in_time},
    )
    return review


@transaction.atomic
def proposal_create(
    *, case: Case, actor: User, rationale: str, terms: dict[str, str] | None = None
) -> ProposedAction:
    """Propose the office action (its terms and why); the case moves to action proposed."""
    if case.action_kind.notice_template:
        raise InvalidInput(
            f"A {case.action_kind.name} is proposed by drafting it from its template "
            "(the warning form on the case, or POST .../conduct-warning/ in the API)."
        )
    return proposal_record(case=case, actor=actor, rationale=rationale, terms=terms)


def proposal_record(
    *, case: Case, actor: User, rationale: str, terms: dict[str, str] | None
) -> ProposedAction:
    transition = TRANSITIONS["propose_action"]
    case = case_lock(case, actor)
    check_may_take(case=case, actor=actor, transition=transition)
    if not rationale.strip():
        raise InvalidInput("A proposal needs a rationale: why this action, on what evidence.")
    terms = {str(k): str(v) for k, v in (terms or {}).items()}
    missing = missing_terms(review_rule_for(case), terms)
    if missing:
        names = ", ".join(m.replace("_", " ") for m in missing)
        raise InvalidInput(
            f"A {case.action_kind.name} proposal must record: {names}.", {"missing": missing}
        )
    try:
        check_rights_terms(terms)
        if case.action_kind.warning_kinds:
            check_direct_ban(earlier_warnings=earlier_warnings(case).count(), terms=terms)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    proposal = ProposedAction.objects.create(
        case=case, proposer=actor, rationale=rationale.strip(), terms=terms
    )
    case_move(case, transition, actor, rationale.strip(), {"proposal": proposal.pk, "terms": terms})
    return proposal


@transaction.atomic
def review_submit(*, case: Case, actor: User, decision: str, comment: str = "") -> Review:
    """One reviewer's approval or decline. Enough distinct approvals approve the case."""
    if decision not in Review.Decision.values:
        raise InvalidInput(f"A review decision is 'approve' or 'decline', not {decision!r}.")
    transition = TRANSITIONS[decision]
    case = case_lock(case, actor)  # the row lock orders racing reviewers; each sees the last one
    check_may_take(case=case, actor=actor, transition=transition)
    if decision == Review.Decision.DECLINE and not comment.strip():
        raise InvalidInput("Declining needs a reason; none was given.")
    proposal = pending_proposal(case)
    if proposal is None:  # check_may_take refuses a review step without one
        raise StepRefused("There is no proposed action waiting for review.")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                proposal=proposal,
                reviewer=actor,
                decision=decision,
                comment=comment.strip(),
                reviewer_roles=sorted(r.value for r in user_roles(actor)),
            )
    except IntegrityError:
        raise StepRefused("You have already reviewed this proposal.") from None
    audit_append(
        actor=actor,
        action=f"review.{decision}",
        object_type="proposal",
        object_id=str(proposal.pk),
        case=case,
        reason=comment.strip(),
        data={"roles": review.reviewer_roles},
    )
    if decision == Review.Decision.DECLINE:
        proposal.status = ProposedAction.Status.DECLINED
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
        case_move(case, transition, actor, comment.strip(), {"proposal": proposal.pk})
    else:
        status = proposal_quorum(case, proposal)
        if status.met:
            _approve(case, proposal, actor, status.describe())
    return review


@transaction.atomic
def evidence_add(*, case: Case, actor: User, url: str = "", note: str = "") -> Evidence:
    case = case_lock(case, actor)
    check_team_member(case, actor, "Adding evidence")
    if not url.strip() and not note.strip():
        raise InvalidInput("Evidence needs a URL or a note.")
    clean = clean_url(url) if url.strip() else ""
    evidence = Evidence.objects.create(case=case, url=clean, note=note.strip(), added_by=actor)
    audit_append(
        actor=actor,
        action="evidence.add",
        object_type="evidence",
        object_id=str(evidence.pk),
        case=case,
        data={"url": clean, "has_note": bool(note.strip())},
    )
    return evidence


@transaction.atomic
def case_delay_record(*, case: Case, actor: User, reason: str, note: str = "") -> CaseDelay:
    """Record why a case takes longer than its target (the case stays open, and shows it)."""
    case = case_lock(case, actor)
    check_team_member(case, actor, "Recording a delay")
    if case.case_state in CLOSED_STATES:
        raise StepRefused("The case is closed; there is no delay to explain.")
    try:
        reason = DelayReason(reason)
    except ValueError:
        known = ", ".join(r.value for r in DelayReason)
        raise InvalidInput(f"Unknown delay reason {reason!r}; known: {known}.") from None
    if reason is DelayReason.OTHER and not note.strip():
        raise InvalidInput("A delay for another reason needs a note saying what it is.")
    delay = CaseDelay.objects.create(case=case, reason=reason, note=note.strip(), recorded_by=actor)
    audit_append(
        actor=actor,
        action="case.delay",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=note.strip(),
        data={"delay_reason": reason.value},
    )
    return delay


# -- conduct warnings ----------------------------------------------------------------------


# -- removal of advanced rights: reapplying -----------------------------------------------
