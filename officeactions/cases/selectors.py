"""Reads: which cases a person may see, and what they may do next."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from officeactions.accounts.roles import user_roles
from officeactions.audit.models import AuditEntry
from officeactions.cases.configured import catalog
from officeactions.cases.extensions import registry
from officeactions.cases.models import (
    OPEN_STATES,
    Case,
    CaseAssignment,
    CaseQuerySet,
    ProposedAction,
    Subject,
)
from officeactions.errors import ApplicationError, NotFound
from officeactions.policy import STAFF_ROLES, PolicyRefusal, Visibility
from officeactions.policy.catalog import ReviewRule
from officeactions.policy.review import Approval, Quorum, quorum
from officeactions.policy.workflow import TRANSITIONS, CaseState, Transition

# Whoever looks: a signed-in person, or nobody (who sees no case).
Viewer = User | AnonymousUser


def cases_visible_to(user: Viewer) -> CaseQuerySet:
    """Need to know: every queryset of cases a person is shown starts here."""
    roles = user_roles(user)
    if isinstance(user, AnonymousUser) or not roles & STAFF_ROLES:
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
                visible |= Q(kind=kind.code, state=CaseState.RECEIVED, team__in=teams) & Q(
                    ~Exists(CaseAssignment.objects.filter(case=OuterRef("pk")))
                )
    return Case.objects.filter(visible)


def case_queue(user: Viewer) -> CaseQuerySet:
    """Open cases by urgency: child protection first, then by due date (so overdue, then due
    soonest), then cases without a target by age. Served by the partial index case_queue_idx."""
    return (
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .order_by("queue_priority", F("due_at").asc(nulls_last=True), "received_at", "pk")
        .prefetch_related("delays")
    )


def case_get_visible(user: Viewer, reference: str) -> Case:
    case = cases_visible_to(user).with_list_data().filter(reference=reference).first()
    if case is None:
        raise NotFound(f"No case {reference} that you can see.")
    return case


def pending_proposal(case: Case) -> ProposedAction | None:
    return case.proposals.filter(status=ProposedAction.Status.PENDING).first()


def review_rule_for(case: Case) -> ReviewRule:
    enforces = catalog().get(case.enforces.kind) if case.enforces is not None else None
    return catalog().review_rule(case.action_kind, enforces)


def proposal_quorum(case: Case, proposal: ProposedAction) -> Quorum:
    approvals = [
        Approval(r.reviewer_id, frozenset(r.reviewer_roles))
        for r in proposal.reviews.all()
        if r.decision == "approve"
    ]
    return quorum(review_rule_for(case), approvals)


def available_transitions(case: Case, user: Viewer) -> list[Transition]:
    """The steps this person may take on this case now (drives buttons and the API)."""
    from officeactions.cases.moves import check_may_take

    if isinstance(user, AnonymousUser):
        return []  # nobody signed in takes a step
    possible = []
    for transition in TRANSITIONS.values():
        if not transition.offered or case.case_state not in transition.sources:
            continue
        if registry.step_refusal(case, transition):
            continue  # the step does not apply to this case (a kind app says why)
        try:
            check_may_take(case=case, actor=user, transition=transition)
        except (ApplicationError, PolicyRefusal):
            continue  # a refusal here only means: not for this person, not now
        possible.append(transition)
    return possible


def case_timeline(case: Case) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(case=case).order_by("seq")


# The states in which an earlier action against the person counts as having been taken.
TAKEN_STATES = (
    CaseState.APPROVED,
    CaseState.BEING_ENFORCED,
    CaseState.IN_EFFECT,
    CaseState.LIFTED,
    CaseState.EXPIRED,
)


def _warning_kinds(case: Case) -> tuple[str, ...]:
    kinds = case.action_kind.warning_kinds
    if kinds:
        return kinds
    # Any other case against a person shows the same history a ban would.
    return tuple(dict.fromkeys(k for kind in catalog() for k in kind.warning_kinds))


def earlier_warnings(case: Case) -> QuerySet[Case]:
    """Warnings and event bans taken against this case's person, whoever may see them.

    For the rules (is this a direct ban?) only; what a person is shown is warning_history."""
    if case.subject_id is None:
        return Case.objects.none()
    notice_kinds = [k.code for k in catalog() if k.notice_template]
    return (
        Case.objects.filter(
            subject_id=case.subject_id, kind__in=_warning_kinds(case), state__in=TAKEN_STATES
        )
        .exclude(pk=case.pk)
        # A warning counts once it was issued, not when it was only approved.
        .exclude(Q(kind__in=notice_kinds) & Q(conduct_warning__issued_at__isnull=True))
    )


def warning_history(case: Case, user: Viewer) -> list[Case]:
    """The person's earlier conduct warnings and event bans, newest first, of those this user
    may see: a confidential warning shows only to the staff on it."""
    visible = cases_visible_to(user).values("pk")
    return list(
        earlier_warnings(case)
        .filter(pk__in=visible)
        .select_related("conduct_warning")
        .order_by("-received_at", "-pk")
    )


def subject_get_visible(user: Viewer, subject_id: int) -> Subject:
    """A person already on record, if this user can see a case about them (need to know)."""
    subject = Subject.objects.filter(
        pk=subject_id, cases__in=cases_visible_to(user).values("pk")
    ).first()
    if subject is None:
        raise NotFound(f"No person #{subject_id} on a case that you can see.")
    return subject
