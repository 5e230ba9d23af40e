"""Reads: which cases a person may see, and what they may do next."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from officeactions.accounts.roles import user_roles
from officeactions.audit.models import AuditEntry
from officeactions.cases.catalog import catalog
from officeactions.cases.models import OPEN_STATES, Case, CaseAssignment, ProposedAction
from officeactions.errors import ApplicationError, NotFound
from officeactions.policy import STAFF_ROLES, PolicyRefusal, Visibility
from officeactions.policy.catalog import ReviewRule
from officeactions.policy.review import Approval, Quorum, quorum
from officeactions.policy.workflow import TRANSITIONS, CaseState, Transition

User = AbstractBaseUser | AnonymousUser


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Need to know: every queryset of cases a person is shown starts here."""
    roles = user_roles(user)
    if not roles & STAFF_ROLES:
        return Case.objects.none()
    assigned = CaseAssignment.objects.filter(user=user).values("case_id")
    visible = Q(pk__in=[])
    for kind in catalog():
        if kind.visibility is Visibility.STAFF or roles & kind.visibility_roles:
            visible |= Q(kind=kind.code)
        elif kind.visibility is Visibility.CASE_STAFF:
            visible |= Q(kind=kind.code, pk__in=assigned)
            # A request nobody has picked up yet must still reach triage: the owning team
            # sees it until someone is on the case.
            teams = [t.value for t in kind.teams if t.member_role in roles]
            if teams:
                visible |= Q(kind=kind.code, state=CaseState.RECEIVED, team__in=teams) & ~Exists(
                    CaseAssignment.objects.filter(case=OuterRef("pk"))
                )
    return Case.objects.filter(visible)


def case_queue(user: User) -> QuerySet[Case]:
    """Open cases by urgency: child protection first, then by due date (so overdue, then due
    soonest), then cases without a target by age. Served by the partial index case_queue_idx."""
    return (
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .order_by("queue_priority", F("due_at").asc(nulls_last=True), "received_at", "pk")
        .prefetch_related("delays")
    )


def case_get_visible(user: User, reference: str) -> Case:
    case = cases_visible_to(user).with_list_data().filter(reference=reference).first()
    if case is None:
        raise NotFound(f"No case {reference} that you can see.")
    return case


def pending_proposal(case: Case) -> ProposedAction | None:
    return case.proposals.filter(status=ProposedAction.Status.PENDING).first()


def review_rule_for(case: Case) -> ReviewRule:
    enforces = catalog().get(case.enforces.kind) if case.enforces_id else None
    return catalog().review_rule(case.action_kind, enforces)


def proposal_quorum(case: Case, proposal: ProposedAction) -> Quorum:
    approvals = [
        Approval(r.reviewer_id, frozenset(r.reviewer_roles))
        for r in proposal.reviews.all()
        if r.decision == "approve"
    ]
    return quorum(review_rule_for(case), approvals)


def available_transitions(case: Case, user: User) -> list[Transition]:
    """The steps this person may take on this case now (drives buttons and the API)."""
    from officeactions.cases.services import check_may_take
    from officeactions.enforcement.services import enforceable
    from officeactions.intake.models import Request

    from_request = Request.objects.filter(case=case).exists()
    possible = []
    for transition in TRANSITIONS.values():
        if case.case_state not in transition.sources:
            continue
        if transition.name == "enforce" and not enforceable(case.action_kind):
            continue
        if transition.name == "mark_abusive" and not from_request:
            continue  # there is no requester to warn or lock out
        try:
            check_may_take(case=case, actor=user, transition=transition)
        except (ApplicationError, PolicyRefusal):
            continue  # a refusal here only means: not for this person, not now
        possible.append(transition)
    return possible


def case_timeline(case: Case) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(case=case).order_by("seq")
