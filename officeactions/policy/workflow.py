"""The life of a case as data: its states and the transitions between them.

Every transition names the states it may start from, the state it leads to, who may take it
and whether a reason must be given. The service layer carries transitions out; it never
decides them on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from officeactions.policy.errors import PolicyRefusal


class CaseState(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    REJECTED = "rejected"
    ABUSIVE = "abusive"
    INVESTIGATING = "investigating"
    ACTION_PROPOSED = "action_proposed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DECLINED = "declined"
    BEING_ENFORCED = "being_enforced"
    IN_EFFECT = "in_effect"
    LIFTED = "lifted"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[CaseState, str] = {
    CaseState.RECEIVED: "Received",
    CaseState.ACCEPTED: "Accepted at triage",
    CaseState.DEFERRED: "Deferred to community governance",
    CaseState.REJECTED: "Declined at triage",
    CaseState.ABUSIVE: "Marked abusive",
    CaseState.INVESTIGATING: "Investigating",
    CaseState.ACTION_PROPOSED: "Action proposed",
    CaseState.IN_REVIEW: "In review",
    CaseState.APPROVED: "Approved",
    CaseState.DECLINED: "Declined after review",
    CaseState.BEING_ENFORCED: "Being enforced on the wikis",
    CaseState.IN_EFFECT: "In effect",
    CaseState.LIFTED: "Lifted",
    CaseState.EXPIRED: "Expired",
}

# What a requester is told about their own request, in plain words. Nothing confidential:
# not who works on it, not the evidence, not the reviews.
PUBLIC_STATUS: dict[CaseState, str] = {
    CaseState.RECEIVED: "Received. It is waiting for the team to look at it.",
    CaseState.ACCEPTED: "Accepted. The team is looking into it.",
    CaseState.INVESTIGATING: "Under investigation.",
    CaseState.ACTION_PROPOSED: "Under investigation.",
    CaseState.IN_REVIEW: "Under review before a decision is made.",
    CaseState.APPROVED: "Decided: the Foundation is taking action.",
    CaseState.DECLINED: "Decided: the Foundation will not take the requested action.",
    CaseState.DEFERRED: "Referred to the community's own governance processes.",
    CaseState.REJECTED: "Closed: the Foundation will not take the requested action.",
    CaseState.ABUSIVE: "Closed.",
    CaseState.BEING_ENFORCED: "Decided: the Foundation is taking action.",
    CaseState.IN_EFFECT: "Decided: the Foundation has taken action.",
    CaseState.LIFTED: "The action taken has since been lifted.",
    CaseState.EXPIRED: "The action taken has since expired.",
}

# Settled: no response clock runs and the queue does not show them. Some still have a step
# (an approved action is enforced, an action in effect can be lifted).
CLOSED_STATES = frozenset(
    {
        CaseState.DEFERRED,
        CaseState.REJECTED,
        CaseState.ABUSIVE,
        CaseState.APPROVED,
        CaseState.DECLINED,
        CaseState.IN_EFFECT,
        CaseState.LIFTED,
        CaseState.EXPIRED,
    }
)


class Actor(StrEnum):
    TEAM = "team"  # a member of the team that owns the case (T&S staff or legal counsel)
    REVIEWER = "reviewer"  # someone the kind's review rule lets approve


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[CaseState]
    target: CaseState
    actor: Actor
    reason_required: bool = False
    # Taken through its own step (a proposal form or a review), not as a bare transition.
    dedicated_step: bool = False
    # Offered among a case's next steps; the enforcement panel's own steps are not.
    offered: bool = True

    def check_source(self, state: CaseState) -> None:
        if state not in self.sources:
            allowed = ", ".join(sorted(s.label.lower() for s in self.sources))
            raise PolicyRefusal(
                f"Cannot {self.label.lower()}: the case is {state.label.lower()}, "
                f"and this step is only possible when it is {allowed}."
            )

    def check_reason(self, reason: str) -> None:
        if self.reason_required and not reason.strip():
            raise PolicyRefusal(f"{self.label} needs a reason; none was given.")


def _t(
    name: str,
    label: str,
    sources: set[CaseState],
    target: CaseState,
    actor: Actor = Actor.TEAM,
    **kw: bool,
) -> Transition:
    return Transition(name, label, frozenset(sources), target, actor, **kw)


_S = CaseState
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("accept", "Accept", {_S.RECEIVED}, _S.ACCEPTED),
        _t("defer", "Defer to community", {_S.RECEIVED}, _S.DEFERRED, reason_required=True),
        _t("decline_request", "Decline request", {_S.RECEIVED}, _S.REJECTED, reason_required=True),
        _t("mark_abusive", "Mark abusive", {_S.RECEIVED}, _S.ABUSIVE, reason_required=True),
        _t("start_investigation", "Start investigation", {_S.ACCEPTED}, _S.INVESTIGATING),
        _t(
            "propose_action",
            "Propose action",
            {_S.INVESTIGATING},
            _S.ACTION_PROPOSED,
            dedicated_step=True,
        ),
        _t("submit_for_review", "Submit for review", {_S.ACTION_PROPOSED}, _S.IN_REVIEW),
        _t(
            "withdraw_proposal",
            "Withdraw proposal",
            {_S.ACTION_PROPOSED, _S.IN_REVIEW},
            _S.INVESTIGATING,
            reason_required=True,
        ),
        _t(
            "approve",
            "Approve",
            {_S.IN_REVIEW},
            _S.APPROVED,
            Actor.REVIEWER,
            dedicated_step=True,
        ),
        _t(
            "decline",
            "Decline",
            {_S.IN_REVIEW},
            _S.DECLINED,
            Actor.REVIEWER,
            reason_required=True,
            dedicated_step=True,
        ),
        _t(
            "enforce",
            "Enforce on the wikis",
            {_S.APPROVED},
            _S.BEING_ENFORCED,
            dedicated_step=True,
        ),
        _t(
            "lift",
            "Lift",
            {_S.BEING_ENFORCED, _S.IN_EFFECT},
            _S.LIFTED,
            reason_required=True,
            dedicated_step=True,
        ),
        # Kinds with nothing to do on a wiki take effect by a step of their own: an event ban
        # is put in effect by staff, a conduct warning by sending it to the person.
        _t(
            "issue_event_ban",
            "Put the event ban in effect",
            {_S.APPROVED},
            _S.IN_EFFECT,
            dedicated_step=True,
        ),
        _t("issue_warning", "Issue the warning", {_S.APPROVED}, _S.IN_EFFECT, dedicated_step=True),
        # Retrying moves no state; it is checked like a step (who, from which states).
        _t(
            "retry_enforcement",
            "Retry failed operations",
            {_S.BEING_ENFORCED, _S.IN_EFFECT, _S.LIFTED},
            _S.BEING_ENFORCED,
            dedicated_step=True,
            offered=False,
        ),
        _t(
            "add_account",
            "Add a confirmed account",
            {_S.BEING_ENFORCED, _S.IN_EFFECT},
            _S.IN_EFFECT,
            dedicated_step=True,
            offered=False,
        ),
    )
}

# Moves the system makes on its own, recorded like any other step.
EXPIRE_TRANSITION = Transition(
    "expire",
    "Expire",
    frozenset({CaseState.BEING_ENFORCED, CaseState.IN_EFFECT}),
    CaseState.EXPIRED,
    Actor.TEAM,
)
IN_EFFECT_TRANSITION = Transition(
    "in_effect",
    "In effect",
    frozenset({CaseState.BEING_ENFORCED}),
    CaseState.IN_EFFECT,
    Actor.TEAM,
)


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        known = ", ".join(TRANSITIONS)
        raise PolicyRefusal(f"Unknown step {name!r}; known steps: {known}.") from None
