"""Multi-level review: who may approve a proposal, and when enough have."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from officeactions.policy.catalog import ReviewRule
from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.roles import Role


@dataclass(frozen=True)
class Approval:
    approver_id: int
    roles: frozenset[Role]


def check_reviewer(
    rule: ReviewRule,
    *,
    reviewer_id: int,
    reviewer_roles: frozenset[Role],
    proposer_id: int,
    already_reviewed: Iterable[int],
) -> None:
    """Refuse a review the rule does not allow, saying why."""
    if reviewer_id in set(already_reviewed):
        raise PolicyRefusal("You have already reviewed this proposal; each person reviews once.")
    if reviewer_id == proposer_id and not rule.proposer_may_approve:
        raise PolicyRefusal("The proposer of an action cannot review it; another person must.")
    if not reviewer_roles & rule.eligible_roles:
        needed = " or ".join(sorted(r.label.lower() for r in rule.eligible_roles)) or "nobody"
        raise PolicyRefusal(f"Reviewing this kind of action needs the role of {needed}.")


@dataclass(frozen=True)
class Quorum:
    met: bool
    approvals: int
    needed: int
    missing: tuple[str, ...]

    def describe(self) -> str:
        if self.met:
            return f"Approved by {self.approvals} of {self.needed} needed."
        return f"{self.approvals} of {self.needed} approvals; still needed: " + "; ".join(
            self.missing
        )


def quorum(rule: ReviewRule, approvals: Iterable[Approval]) -> Quorum:
    """Whether the distinct approvals given satisfy the rule, and what is still missing."""
    by_person: dict[int, frozenset[Role]] = {}
    for a in approvals:
        by_person[a.approver_id] = a.roles
    missing: list[str] = []
    remaining = rule.approvals - len(by_person)
    if remaining > 0:
        missing.append(f"{remaining} more approver{'s' if remaining > 1 else ''}")
    held = frozenset().union(*by_person.values()) if by_person else frozenset()
    for role in sorted(rule.must_include):
        if role not in held:
            missing.append(f"an approval by {role.label.lower()}")
    return Quorum(not missing, len(by_person), rule.approvals, tuple(missing))


def missing_terms(rule: ReviewRule, terms: dict[str, str]) -> list[str]:
    return [t for t in rule.required_terms if not str(terms.get(t, "")).strip()]
