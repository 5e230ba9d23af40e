"""What the public may see of office actions: one rule set, used by every public output.

Confidential kinds (conduct warnings, child protection, staff CheckUser) never appear. Of the
other kinds, an operation appears once it took effect on a wiki, with its target only where the
catalog lists the target among the kind's public fields: a global ban shows usernames, never
addresses.

The half-yearly report passes through here too (``public_report``): confidential kinds appear
only as counts, and every count small enough to identify someone reads "fewer than 5".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from officeactions.enforcement.wiki import is_address
from officeactions.policy import CATALOG, ActionKind
from officeactions.policy.reports import Period, compare

PUBLIC_KINDS = tuple(k.code for k in CATALOG if not k.is_confidential)
TARGET_FIELDS = {"usernames", "username", "page", "range", "title"}


def public_target(kind_code: str, target: str) -> str | None:
    """The target as the public may see it, or None when it is not publishable."""
    kind = CATALOG.get(kind_code)
    if kind.is_confidential:
        return None
    fields = set(kind.public_fields)
    if is_address(target):
        return target if "range" in fields else None
    return target.split("#")[0] if fields & TARGET_FIELDS else None


def performer_label(performer: str) -> str:
    return "office account" if performer == "office" else "staff account"


# The half-yearly report. Every count passes through public_count; only the output of
# public_report is ever stored, shown or exported.

CONFIDENTIAL_KINDS = tuple(k.code for k in CATALOG if k.is_confidential)
COUNT_ONLY_KINDS = tuple(k.code for k in CATALOG if k.is_confidential and not k.report_apart)
NOT_SHOWN = "not shown"


def small_count_threshold() -> int:
    return int(settings.OFFICEACTIONS_SMALL_COUNT_THRESHOLD)


def public_count(n: int, *, confidential: bool = False) -> int | str:
    """A count as the public may see it. Below the threshold a count could identify someone:
    it reads "fewer than 5". For a confidential kind even zero is masked, so that the report
    never tells whether there was any such case at all."""
    threshold = small_count_threshold()
    if n >= threshold or (n == 0 and not confidential):
        return n
    return f"fewer than {threshold}"


def _mask_parts(total: int, parts: dict[str, int]) -> dict[str, int | str]:
    """Mask the parts of a total. Subtraction must not give a masked part away: once any part
    is masked, the zeros beside it are masked too (else, say, two masked parts of a remainder
    of 2 would each be exactly 1); and with exactly one part masked, the smallest other
    non-zero part is withheld too ("not shown": it is not small, so "fewer than 5" would be
    untrue)."""
    shown = {name: public_count(n) for name, n in parts.items()}
    masked = [name for name, value in shown.items() if isinstance(value, str)]
    if masked:
        for name, n in parts.items():
            if n == 0:
                shown[name] = public_count(n, confidential=True)
    if len(masked) == 1 and not isinstance(public_count(total), str):
        others = [(n, name) for name, n in parts.items() if n and name not in masked]
        if others:
            shown[min(others)[1]] = NOT_SHOWN
    return shown


def _figure(key: str, section: str, item: str, value, previous) -> dict[str, Any]:
    numeric = [v if isinstance(v, int | float) else None for v in (value, previous)]
    return {
        "key": key,
        "section": section,
        "item": item,
        "value": value,
        "previous": previous,
        "change": compare(*numeric).describe(),
    }


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


def _response_rows(kind: ActionKind, figures) -> dict[str, Any]:
    """Time to response for one public kind; only when enough cases make it anonymous."""
    shown: dict[str, Any] = {
        "responded": NOT_SHOWN,
        "median_days": NOT_SHOWN,
        "p90_days": NOT_SHOWN,
        "within_target_percent": NOT_SHOWN,
    }
    if figures is None:
        shown["responded"] = 0
        return shown
    shown["responded"] = public_count(figures.responded)
    if isinstance(shown["responded"], str):
        return shown
    shown["median_days"] = _days(figures.median_seconds)
    shown["p90_days"] = _days(figures.p90_seconds)
    if figures.with_target:
        shown["within_target_percent"] = round(100 * figures.within_target / figures.with_target)
    else:
        shown["within_target_percent"] = "no target set"
    return shown


def _sections(raw) -> list[tuple[str, str, str, Any]]:
    """(key, section, item, public value) for one period's raw figures."""
    rows: list[tuple[str, str, str, Any]] = []
    section = "Office actions by kind and outcome (cases received in the period)"
    for kind in CATALOG:
        if kind.is_confidential:
            continue
        outcomes = raw.cases[kind.code]
        total = sum(outcomes.values())
        rows.append((f"cases.{kind.code}.received", section, f"{kind.name}: received", total))
        for name, value in _mask_parts(total, outcomes).items():
            key = f"cases.{kind.code}.{name.replace(' ', '_')}"
            rows.append((key, section, f"{kind.name}: {name}", value))
    section = "Confidential office actions (counts only)"
    for code in COUNT_ONLY_KINDS:
        kind = CATALOG.get(code)
        total = sum(raw.cases[code].values())
        rows.append((f"cases.{code}.received", section, kind.name, ("confidential", total)))
    for kind in CATALOG:
        if kind.report_apart:
            total = sum(raw.cases[kind.code].values())
            rows.append((kind.code, *kind.report_apart, ("confidential", total)))
    section = "Requests for office actions from the public"
    requests = dict(raw.requests)
    received = requests.pop("received")
    rows.append(("requests.received", section, "received", received))
    for name, value in _mask_parts(received, requests).items():
        rows.append((f"requests.{name}", section, name, value))
    section = "DMCA"
    labels = {
        "received": "notices received",
        "valid": "valid notices",
        "complied_with": "notices complied with",
        "counter_noticed": "counter-notices received",
        "put_back": "material put back",
    }
    for name, label in labels.items():
        rows.append((f"dmca.{name}", section, label, raw.dmca[name]))
    section = "Appeals"
    rows.append(("appeals.filed", section, "appeals filed", raw.appeals["filed"]))
    for name, n in raw.appeals["outcomes"].items():
        rows.append((f"appeals.{name}", section, f"outcome: {name}", n))
    section = "Time to response (from receipt to decision), against the policy's target"
    for kind in CATALOG:
        if kind.is_confidential:
            continue
        target = kind.response.describe() if kind.response else "none set"
        shown = _response_rows(kind, raw.response.get(kind.code))
        code = kind.code
        rows.append((f"response.{code}.target", section, f"{kind.name}: target", target))
        rows.append(
            (f"response.{code}.responded", section, f"{kind.name}: decided", shown["responded"])
        )
        rows.append(
            (
                f"response.{code}.median_days",
                section,
                f"{kind.name}: median, days",
                shown["median_days"],
            )
        )
        rows.append(
            (
                f"response.{code}.p90_days",
                section,
                f"{kind.name}: 90th percentile, days",
                shown["p90_days"],
            )
        )
        rows.append(
            (
                f"response.{code}.within_target_percent",
                section,
                f"{kind.name}: within target, %",
                shown["within_target_percent"],
            )
        )
    return [(k, s, i, _public_value(v)) for k, s, i, v in rows]


def _public_value(value: Any) -> Any:
    if isinstance(value, tuple):  # ("confidential", count)
        return public_count(value[1], confidential=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return public_count(value)
    return value


def public_report(period: Period, current, previous) -> dict[str, Any]:
    """The report as published: counts masked, confidential kinds as counts only, each figure
    beside the previous period's and the change (shown only when both are public numbers)."""
    before = {key: value for key, _, _, value in _sections(previous)}
    figures = [
        _figure(key, section, item, value, before.get(key))
        for key, section, item, value in _sections(current)
    ]
    return {
        "period": str(period),
        "label": period.label,
        "previous_period": str(period.previous()),
        "previous_label": period.previous().label,
        "small_count_threshold": small_count_threshold(),
        "appeals_note": current.appeals.get("note", ""),
        "figures": figures,
    }
