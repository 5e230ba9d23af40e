"""The fast ban check: does an office action in effect apply to this account or address?

``officeactions.bancheck.check(user, ip, wiki=..., event=...)`` answers in-process;
``GET /api/check`` and ``officeactions check NAME ADDR`` give the same answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officeactions.bancheck.services import BanCheck


def check(
    user: str | None = None,
    ip: str | None = None,
    *,
    wiki: str | None = None,
    event: int | None = None,
    now: float | None = None,
) -> BanCheck:
    """See officeactions.bancheck.services.check (imported here lazily: apps load first)."""
    from officeactions.bancheck.services import check as _check

    return _check(user, ip, wiki=wiki, event=event, now=now)
