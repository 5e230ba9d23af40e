"""Who is who: the roles people hold and the teams that own office actions."""

from enum import StrEnum


class Role(StrEnum):
    TS_STAFF = "ts_staff"
    LEGAL_COUNSEL = "legal_counsel"
    REVIEWER = "reviewer"
    CHILD_PROTECTION = "child_protection"
    CASE_REVIEW_COMMITTEE = "case_review_committee"
    STEWARD = "steward"
    EVENT_ORGANISER = "event_organiser"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.TS_STAFF: "Trust & Safety staff",
    Role.LEGAL_COUNSEL: "Legal counsel",
    Role.REVIEWER: "Reviewer (senior staff)",
    Role.CHILD_PROTECTION: "Designated child-protection staff",
    Role.CASE_REVIEW_COMMITTEE: "Case Review Committee",
    Role.STEWARD: "Steward",
    Role.EVENT_ORGANISER: "Designated event organiser",
    Role.AUDITOR: "Read-only auditor",
}

# Foundation staff who may see office-action case work at all. Volunteers (the Case Review
# Committee, stewards, event organisers) only ever see what a later step shares with them.
STAFF_ROLES: frozenset[Role] = frozenset(
    {Role.TS_STAFF, Role.LEGAL_COUNSEL, Role.REVIEWER, Role.CHILD_PROTECTION, Role.AUDITOR}
)


class Team(StrEnum):
    TRUST_AND_SAFETY = "trust_and_safety"
    LEGAL = "legal"

    @property
    def label(self) -> str:
        return {Team.TRUST_AND_SAFETY: "Trust & Safety", Team.LEGAL: "Legal"}[self]

    @property
    def member_role(self) -> Role:
        """The role whose holders do the team's case work."""
        return {Team.TRUST_AND_SAFETY: Role.TS_STAFF, Team.LEGAL: Role.LEGAL_COUNSEL}[self]
