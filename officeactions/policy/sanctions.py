"""Actions on people: warnings before bans, reports against a ban, and the no-rights period.

The policy's words: a global ban "will typically be issued only after prior warnings ...
However, the Foundation reserves the right to impose a global ban directly ... where it has
not been practical to offer warnings". Acting "as a proxy for such a person, or attempting to
interfere with ... enforcing a global ban ... may result in sanctions, including loss of
advanced user rights or suspension of contributing access". After a removal of advanced
rights, "once the no-rights period has elapsed, a contributor may have to fulfill additional
criteria before they are permitted to reapply".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from officeactions.policy.errors import PolicyRefusal

# The terms a direct ban records instead of an earlier warning.
WHY_NO_WARNING = "why_no_warning"


def check_direct_ban(*, earlier_warnings: int, terms: dict[str, str]) -> None:
    """A ban with no earlier warning of the person on record must say why none was practical."""
    if earlier_warnings:
        return
    if not str(terms.get(WHY_NO_WARNING, "")).strip():
        raise PolicyRefusal(
            "This person has no earlier conduct warning or event ban on record: a direct ban "
            "must record why it was not practical to offer a warning (why no warning)."
        )


# "sanctions, including loss of advanced user rights or suspension of contributing access"
PROXY_SANCTION_KINDS: tuple[str, ...] = ("rights_removal", "global_ban")


def check_proxy_sanction_kind(kind: str) -> None:
    if kind not in PROXY_SANCTION_KINDS:
        allowed = ", ".join(PROXY_SANCTION_KINDS)
        raise PolicyRefusal(
            f"A sanction for proxying or interference is one of: {allowed}; not {kind!r}."
        )


# -- the no-rights period ----------------------------------------------------------------

PERMANENT_WORDS = frozenset({"permanent", "permanently", "indefinite", "indefinitely", "never"})
_PERIOD = re.compile(r"^\s*(\d{1,3})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class NoRightsPeriod:
    """``count`` units, or permanent (no reapplication, ever)."""

    count: int = 0
    unit: str = ""
    permanent: bool = False

    def describe(self) -> str:
        if self.permanent:
            return "permanent"
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"

    def ends_on(self, start: date) -> date | None:
        """The first day a reapplication may be made; None when permanent."""
        if self.permanent:
            return None
        if self.unit == "day":
            return start + timedelta(days=self.count)
        if self.unit == "week":
            return start + timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "year" else 1)
        return add_months(start, months)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it is shorter (31 Jan + 1
    month is 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_no_rights_period(text: str) -> NoRightsPeriod:
    """'12 months', '2 years', '6 weeks', '90 days' or 'permanent'; refused otherwise."""
    value = (text or "").strip()
    if value.lower() in PERMANENT_WORDS:
        return NoRightsPeriod(permanent=True)
    match = _PERIOD.match(value)
    if not match or int(match.group(1)) == 0:
        raise PolicyRefusal(
            f"The no-rights period {value!r} is not understood: write a number of days, weeks, "
            "months or years (e.g. '12 months'), or 'permanent'."
        )
    return NoRightsPeriod(int(match.group(1)), match.group(2).lower())


def parse_criteria(text: str) -> list[str]:
    """The criteria for reapplying, one per line; at least one (the policy: "made known to
    them at the time of the removal")."""
    criteria = [line.strip(" -•\t") for line in (text or "").splitlines()]
    criteria = [c for c in criteria if c]
    if not criteria:
        raise PolicyRefusal("The criteria for reapplying must list at least one, one per line.")
    return criteria


def check_rights_terms(terms: dict[str, str]) -> None:
    """The removal's recorded terms: a period the product can count, criteria, groups."""
    if "no_rights_period" in terms:
        parse_no_rights_period(terms["no_rights_period"])
    if "reapply_criteria" in terms:
        parse_criteria(terms["reapply_criteria"])
    if "groups" in terms:
        groups = [g.strip() for g in terms["groups"].split(",") if g.strip()]
        bad = [g for g in groups if not re.fullmatch(r"[a-z0-9_-]{1,64}", g)]
        if not groups or bad:
            raise PolicyRefusal(
                "Groups are MediaWiki group names, comma-separated (e.g. sysop, checkuser)"
                + (f"; not {', '.join(repr(b) for b in bad)}." if bad else ".")
            )


class Reapplication(StrEnum):
    MAY_REAPPLY = "may_reapply"
    TOO_EARLY = "too_early"
    CRITERIA_UNMET = "criteria_unmet"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class ReapplicationCheck:
    outcome: Reapplication
    message: str
    may_reapply_from: date | None = None
    unmet: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome is Reapplication.MAY_REAPPLY


def check_reapplication(
    *,
    removed_on: date,
    period: NoRightsPeriod,
    criteria: list[str],
    criteria_met: set[str],
    applied_on: date,
) -> ReapplicationCheck:
    """Whether a reapplication made on ``applied_on`` may go ahead: the period must have
    elapsed, and every criterion made known at removal must be met."""
    unknown = criteria_met - set(criteria)
    if unknown:
        raise PolicyRefusal(
            "These are not criteria of this removal: " + "; ".join(sorted(unknown)) + "."
        )
    if applied_on < removed_on:
        raise PolicyRefusal(
            f"A reapplication on {applied_on:%Y-%m-%d} predates the removal on "
            f"{removed_on:%Y-%m-%d}."
        )
    end = period.ends_on(removed_on)
    if end is None:
        return ReapplicationCheck(
            Reapplication.PERMANENT, "Refused: the removal is permanent; no reapplication."
        )
    if applied_on < end:
        return ReapplicationCheck(
            Reapplication.TOO_EARLY,
            f"Refused: too early. The no-rights period ({period.describe()}) ends on "
            f"{end:%Y-%m-%d}; a reapplication may be made from that day.",
            may_reapply_from=end,
        )
    unmet = tuple(c for c in criteria if c not in criteria_met)
    if unmet:
        return ReapplicationCheck(
            Reapplication.CRITERIA_UNMET,
            "Refused: criteria not met: " + "; ".join(unmet) + ".",
            may_reapply_from=end,
            unmet=unmet,
        )
    return ReapplicationCheck(
        Reapplication.MAY_REAPPLY,
        f"The period ended on {end:%Y-%m-%d} and every criterion is met: the person may reapply.",
        may_reapply_from=end,
    )
