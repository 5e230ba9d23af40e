"""What a request must contain, and how long an abusive requester is locked out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from officeactions.policy.catalog import ActionKind


@dataclass(frozen=True)
class RequestContent:
    action_requested: str
    summary: str
    community_evidence: tuple[str, ...]
    no_community_process_reason: str
    supporting_information: str


# Keyed by the field a requester fills in, worded as the policy words the requirement.
REQUIRED_ITEMS = {
    "action_requested": "the action you are requesting",
    "summary": "a short summary of the reasons for the request",
    "community_evidence": (
        "links (URLs) to earlier attempts to resolve this through the local community's "
        "processes, or why that was not possible"
    ),
    "supporting_information": "the information and evidence that support the request",
}


def missing_items(content: RequestContent, kind: ActionKind | None) -> list[str]:
    """The required items a request lacks, as field names (see REQUIRED_ITEMS for words)."""
    missing = []
    if kind is None:
        missing.append("action_requested")
    if not content.summary.strip():
        missing.append("summary")
    expected = kind is None or kind.community_process_expected
    if (
        expected
        and not content.community_evidence
        and not content.no_community_process_reason.strip()
    ):
        missing.append("community_evidence")
    if not content.supporting_information.strip():
        missing.append("supporting_information")
    return missing


@dataclass(frozen=True)
class LockoutRule:
    """The lock-out rule for abusive requesters: deterministic, and every number a setting.

    The first abusive request earns a warning, never a lock-out. Each later one locks the
    requester out for:

        base_days[seriousness]
        * growth ** (abusive requests so far - 2)       (number)
        * (1 + frequency_step * others in the last frequency_window_days)   (frequency)
        * bad_faith_factor, when bad faith is reasonably apparent           (presumed intent)

    rounded up to whole days and capped at max_days. Only abusive requests within
    lookback_days count.
    """

    base_days: dict[int, float] = field(default_factory=lambda: {1: 7, 2: 30, 3: 90})
    growth: float = 2.0
    frequency_window_days: int = 30
    frequency_step: float = 0.5
    bad_faith_factor: float = 2.0
    max_days: int = 730
    lookback_days: int = 730

    @classmethod
    def from_settings(cls, values: dict) -> LockoutRule:
        values = dict(values)
        if "base_days" in values:
            values["base_days"] = {int(k): float(v) for k, v in values["base_days"].items()}
        return cls(**values)


@dataclass(frozen=True)
class AbuseRecord:
    at: datetime
    seriousness: int  # 1 inappropriate, 2 harassing or demanding preferential treatment, 3 threats
    bad_faith: bool


@dataclass(frozen=True)
class LockoutDecision:
    warning_only: bool
    days: int
    until: datetime | None
    explanation: str


def lockout_for(
    history: list[AbuseRecord], latest: AbuseRecord, rule: LockoutRule
) -> LockoutDecision:
    """Decide the consequence of ``latest``, given the earlier abusive requests in ``history``."""
    if latest.seriousness not in rule.base_days:
        raise ValueError(f"seriousness must be one of {sorted(rule.base_days)}")
    since = latest.at - timedelta(days=rule.lookback_days)
    earlier = [r for r in history if since <= r.at < latest.at]
    number = len(earlier) + 1
    if number == 1:
        return LockoutDecision(True, 0, None, "First abusive request: a warning, no lock-out.")
    recent_since = latest.at - timedelta(days=rule.frequency_window_days)
    recent = sum(1 for r in earlier if r.at >= recent_since)
    days = rule.base_days[latest.seriousness]
    days *= rule.growth ** (number - 2)
    days *= 1 + rule.frequency_step * recent
    if latest.bad_faith:
        days *= rule.bad_faith_factor
    whole = min(rule.max_days, int(-(-days // 1)))
    until = latest.at + timedelta(days=whole)
    explanation = (
        f"Abusive request number {number} (seriousness {latest.seriousness}, "
        f"{recent} others in the last {rule.frequency_window_days} days"
        f"{', bad faith apparent' if latest.bad_faith else ''}): locked out for {whole} days."
    )
    return LockoutDecision(False, whole, until, explanation)
