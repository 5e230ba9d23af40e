"""Reads for sanctions: a removal's no-rights period and the re-grants made during it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from officeactions.cases.configured import office_time_zone
from officeactions.cases.models import Case, ProposedAction
from officeactions.cases.selectors import pending_proposal
from officeactions.enforcement.models import Incident
from officeactions.policy import PolicyRefusal
from officeactions.policy.sanctions import NoRightsPeriod, parse_criteria, parse_no_rights_period


@dataclass(frozen=True)
class RightsPeriod:
    """A removal's no-rights period and the criteria for reapplying, as recorded on the case."""

    period: NoRightsPeriod
    criteria: list[str]
    removed_on: date | None  # the day the wiki showed the groups removed
    ends_on: date | None  # the first day a reapplication may be made; None: permanent/not yet

    def describe(self) -> str:
        if self.period.permanent:
            return "permanent: no reapplication"
        if self.ends_on:
            return f"{self.period.describe()}, until {self.ends_on:%Y-%m-%d}"
        return f"{self.period.describe()} from the removal (not yet carried out)"


def rights_period(case: Case) -> RightsPeriod | None:
    proposal = (
        case.proposals.filter(status=ProposedAction.Status.APPROVED).first()
        or pending_proposal(case)
        or case.proposals.first()
    )
    terms = proposal.terms if proposal else {}
    if "no_rights_period" not in terms:
        return None
    try:
        period = parse_no_rights_period(terms["no_rights_period"])
        criteria = parse_criteria(terms.get("reapply_criteria", ""))
    except PolicyRefusal:
        return None  # recorded before periods were checked; shown as written in the terms
    removal = (
        case.operations.filter(op="remove_groups", state="verified", verified_at__isnull=False)
        .order_by("verified_at")
        .first()
    )
    removed_on = (
        removal.verified_at.astimezone(office_time_zone()).date()
        if removal and removal.verified_at
        else None
    )
    ends_on = period.ends_on(removed_on) if removed_on else None
    return RightsPeriod(period, criteria, removed_on, ends_on)


def regrants_in_period(case: Case, period: RightsPeriod | None) -> list[Incident]:
    """Incidents re-granting removed rights before the no-rights period ended."""
    if period is None or period.removed_on is None:
        return []
    tz = office_time_zone()
    return [
        i
        for i in case.incidents.filter(change="rights/rights").order_by("happened_at")
        if period.ends_on is None or i.happened_at.astimezone(tz).date() < period.ends_on
    ]
