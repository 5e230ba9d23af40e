"""Appeals as the policy states them: who may appeal, when, what is appealed, and where it goes.

"Office Actions, or Foundation decisions not to take an Office Action, can be appealed within
6 months of their first issuance or of their substantial, atypical modification (the extension
of a suspension by several months, for example, does not trigger a new right to appeal) upon
legal counsel approval." Only people directly involved may appeal (the person who requested the
case, or the person under investigation), at the end of the investigation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from officeactions.policy.catalog import ActionKind, AppealRoute
from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.roles import Role, Team
from officeactions.policy.workflow import CaseState


class Modification(StrEnum):
    """How an office action in effect was changed after it was first issued."""

    EXTENSION = "extension"  # longer, same terms: never reopens the appeal window
    SUBSTANTIAL_ATYPICAL = "substantial_atypical"  # a new right to appeal

    @property
    def label(self) -> str:
        return {
            Modification.EXTENSION: "Extension",
            Modification.SUBSTANTIAL_ATYPICAL: "Substantial, atypical modification",
        }[self]


class Appellant(StrEnum):
    REQUESTER = "requester"  # the individual who requested the initial case
    SUBJECT = "subject"  # the individual under investigation

    @property
    def label(self) -> str:
        return {
            Appellant.REQUESTER: "the person who requested the case",
            Appellant.SUBJECT: "the person under investigation",
        }[self]


class Against(StrEnum):
    ACTION = "action"  # an office action
    NO_ACTION = "no_action"  # a decision not to take one


class Outcome(StrEnum):
    UPHELD = "upheld"
    MODIFIED = "modified"
    OVERTURNED = "overturned"


class AppealStatus(StrEnum):
    AWAITING_COUNSEL = "awaiting_counsel"
    REFUSED = "refused"  # legal counsel did not approve it for review
    IN_REVIEW = "in_review"
    UPHELD = "upheld"
    MODIFIED = "modified"
    OVERTURNED = "overturned"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[AppealStatus, str] = {
    AppealStatus.AWAITING_COUNSEL: "Waiting for legal counsel's approval",
    AppealStatus.REFUSED: "Not approved for review by legal counsel",
    AppealStatus.IN_REVIEW: "In review",
    AppealStatus.UPHELD: "Upheld",
    AppealStatus.MODIFIED: "Modified",
    AppealStatus.OVERTURNED: "Overturned",
}

# What the appellant reads on their private status page: plain words, nothing confidential.
PUBLIC_APPEAL_STATUS: dict[AppealStatus, str] = {
    AppealStatus.AWAITING_COUNSEL: "Received. Your appeal is waiting for approval before review.",
    AppealStatus.REFUSED: "Closed: your appeal was not accepted for review.",
    AppealStatus.IN_REVIEW: "Your appeal is being reviewed.",
    AppealStatus.UPHELD: "Decided: the original decision stands.",
    AppealStatus.MODIFIED: "Decided: the original decision was changed.",
    AppealStatus.OVERTURNED: "Decided: the original decision was overturned.",
}

DECIDED_STATUSES = frozenset({AppealStatus.UPHELD, AppealStatus.MODIFIED, AppealStatus.OVERTURNED})
OPEN_STATUSES = frozenset({AppealStatus.AWAITING_COUNSEL, AppealStatus.IN_REVIEW})

# "At the end of the investigation": the action was issued (being enforced or in effect), or the
# Foundation decided not to take one (declined after review, declined at triage, deferred).
ACTION_ISSUED = frozenset({CaseState.BEING_ENFORCED, CaseState.IN_EFFECT})
NO_ACTION_DECIDED = frozenset({CaseState.DECLINED, CaseState.REJECTED, CaseState.DEFERRED})

# The steps that issue what is appealed; their time is the "first issuance".
ISSUING_STEPS: dict[Against, tuple[str, ...]] = {
    Against.ACTION: ("case.enforce",),
    Against.NO_ACTION: ("case.decline", "case.decline_request", "case.defer"),
}


def what_is_appealed(state: CaseState) -> Against:
    """An action or a decision not to take one; refused while the investigation goes on."""
    if state in ACTION_ISSUED:
        return Against.ACTION
    if state in NO_ACTION_DECIDED:
        return Against.NO_ACTION
    raise PolicyRefusal(
        "An appeal can be made only at the end of the investigation, once the Foundation has "
        f"decided; this case is {state.label.lower()}."
    )


def appeal_route(kind: ActionKind, against: Against) -> AppealRoute:
    """Where an appeal goes; raises for kinds the catalog says cannot be appealed."""
    rule = kind.appeal
    if not rule.appealable:
        why = f" {rule.note}" if rule.note else ""
        raise PolicyRefusal(f"A {kind.name} cannot be appealed.{why}")
    # The Case Review Committee reviews eligible Trust & Safety office actions; a decision not
    # to take one is no office action, so it goes to the appeals address.
    if rule.route is AppealRoute.CASE_REVIEW_COMMITTEE and against is Against.NO_ACTION:
        return AppealRoute.APPEALS_ADDRESS
    return rule.route


def reviewer_roles(route: AppealRoute, team: Team) -> frozenset[Role]:
    """Who reviews an approved appeal: the committee, or the owning team's senior staff."""
    if route is AppealRoute.CASE_REVIEW_COMMITTEE:
        return frozenset({Role.CASE_REVIEW_COMMITTEE})
    return frozenset({Role.REVIEWER, team.member_role})


def add_months(moment: datetime, months: int, tz: tzinfo) -> datetime:
    """The same local time ``months`` calendar months later in ``tz``; a day the month lacks
    (31 August + 6 months) becomes that month's last day (28 or 29 February)."""
    local = moment.astimezone(tz)
    years, month0 = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day, fold=0)


@dataclass(frozen=True)
class AppealWindow:
    opened_at: datetime  # the first issuance, or the latest substantial atypical modification
    closes_at: datetime
    reopened: bool  # opened by a substantial atypical modification
    months: int = 6

    def is_open(self, now: datetime) -> bool:
        return self.opened_at <= now <= self.closes_at


def appeal_window(
    issued_at: datetime,
    modifications: Iterable[tuple[Modification, datetime]],
    months: int,
    tz: tzinfo,
) -> AppealWindow:
    """The window in which an appeal may be filed. Extensions, however long, never move it."""
    reopenings = [
        at
        for kind, at in modifications
        if kind is Modification.SUBSTANTIAL_ATYPICAL and at >= issued_at
    ]
    opened = max([issued_at, *reopenings])
    return AppealWindow(opened, add_months(opened, months, tz), bool(reopenings), months)


def check_in_time(window: AppealWindow, now: datetime, tz: tzinfo) -> None:
    if now > window.closes_at:
        closed = window.closes_at.astimezone(tz)
        raise PolicyRefusal(
            f"Too late: an appeal must be made within {window.months} months of the decision or of "
            "its latest "
            f"substantial, atypical modification. The window closed on {closed:%Y-%m-%d %H:%M} "
            f"({closed.tzname()})."
        )
