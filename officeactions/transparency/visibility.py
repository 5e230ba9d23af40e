"""What the public may see of office actions: one rule set, used by every public output.

Confidential kinds (conduct warnings, child protection, staff CheckUser) never appear. Of the
other kinds, an operation appears once it took effect on a wiki, with its target only where the
catalog lists the target among the kind's public fields: a global ban shows usernames, never
addresses.
"""

from __future__ import annotations

from officeactions.enforcement.wiki import is_address
from officeactions.policy import CATALOG

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
