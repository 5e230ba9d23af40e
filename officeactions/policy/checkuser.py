"""Staff use of CheckUser: why it may be used, and what happens to what it finds.

The policy: CheckUser is used only when the information is pertinent and there is no other
reasonable way to obtain it; results may be shared with stewards, or withheld when revealing them
would hinder law enforcement or endanger community members.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from officeactions.policy.errors import PolicyRefusal


class Purpose(StrEnum):
    EMERGENCY_THREAT = "emergency_threat"
    USER_INFORMATION_REQUEST = "user_information_request"
    LEGAL_DISPUTE = "legal_dispute"
    REGULATORY_INVESTIGATION = "regulatory_investigation"
    LONG_TERM_ABUSE = "long_term_abuse"
    GLOBAL_BAN_ENFORCEMENT = "global_ban_enforcement"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.EMERGENCY_THREAT: "Emergency: threat of harm",
    Purpose.USER_INFORMATION_REQUEST: "Request for user information",
    Purpose.LEGAL_DISPUTE: "Legal dispute",
    Purpose.REGULATORY_INVESTIGATION: "Regulatory investigation",
    Purpose.LONG_TERM_ABUSE: "Long-term abuse (global ban consideration)",
    Purpose.GLOBAL_BAN_ENFORCEMENT: "Global ban enforcement (suspected sockpuppets)",
}


class WithholdReason(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"  # revealing it hinders law enforcement's efforts
    SAFETY = "safety"  # revealing it endangers community members

    @property
    def label(self) -> str:
        return {
            WithholdReason.LAW_ENFORCEMENT: "Would hinder law enforcement",
            WithholdReason.SAFETY: "Would endanger community members",
        }[self]


def check_entry(purpose: str, justification: str) -> Purpose:
    """A CheckUser entry needs a purpose the policy names and the 'no other way' justification."""
    try:
        chosen = Purpose(purpose)
    except ValueError:
        known = ", ".join(p.value for p in Purpose)
        raise PolicyRefusal(
            f"A CheckUser entry needs one of the policy's purposes ({known}); got {purpose!r}."
        ) from None
    if not justification.strip():
        raise PolicyRefusal(
            "A CheckUser entry needs the justification that there is no other reasonable way "
            "to obtain the information."
        )
    return chosen


def results_expire_at(performed_at: datetime, retention_days: int) -> datetime:
    return performed_at + timedelta(days=retention_days)
