"""DMCA notices and counter-notices: the statutory elements, and the put-back window.

17 U.S.C. 512(c)(3)(A) lists what a takedown notice must contain; 512(g)(3) what a
counter-notice must contain; 512(g)(2)(C) says removed material is put back not less than 10
and not more than 14 business days after a valid counter-notice, unless the complainant first
reports a court action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from officeactions.policy.clocks import add_business_days, is_us_business_day

NOTICE_ELEMENTS = {
    "signature": "512(c)(3)(A)(i): a physical or electronic signature of a person authorised "
    "to act for the owner of the right",
    "works": "512(c)(3)(A)(ii): identification of the copyrighted work claimed to be infringed",
    "infringing_urls": "512(c)(3)(A)(iii): identification of the infringing material, with "
    "information reasonably sufficient to locate it (its URLs on the wiki)",
    "contact": "512(c)(3)(A)(iv): information reasonably sufficient to contact the complaining "
    "party (an address, a telephone number, or an email address)",
    "good_faith": "512(c)(3)(A)(v): a statement of good-faith belief that the use is not "
    "authorised by the owner, its agent, or the law",
    "accuracy_under_perjury": "512(c)(3)(A)(vi): a statement that the information is accurate "
    "and, under penalty of perjury, that the complainant is authorised to act for the owner",
}

COUNTER_NOTICE_ELEMENTS = {
    "signature": "512(g)(3)(A): a physical or electronic signature of the subscriber",
    "removed_material": "512(g)(3)(B): identification of the material removed and the location "
    "where it appeared before it was removed",
    "mistake_under_perjury": "512(g)(3)(C): a statement under penalty of perjury of a good-faith "
    "belief that the material was removed by mistake or misidentification",
    "identity_and_consent": "512(g)(3)(D): name, address and telephone number, and consent to "
    "the jurisdiction of the Federal District Court (and to accept service of process)",
}


@dataclass(frozen=True)
class Notice:
    signature: str
    works: list[str]
    infringing_urls: list[str]
    address: str
    phone: str
    email: str
    good_faith: bool
    accuracy_under_perjury: bool


def notice_defects(n: Notice) -> list[str]:
    """The statutory elements a takedown notice lacks (empty: it is valid on its face)."""
    missing = []
    if not n.signature.strip():
        missing.append("signature")
    if not any(w.strip() for w in n.works):
        missing.append("works")
    if not n.infringing_urls:
        missing.append("infringing_urls")
    if not (n.address.strip() or n.phone.strip() or n.email.strip()):
        missing.append("contact")
    if not n.good_faith:
        missing.append("good_faith")
    if not n.accuracy_under_perjury:
        missing.append("accuracy_under_perjury")
    return missing


@dataclass(frozen=True)
class CounterNotice:
    signature: str
    removed_material: str
    former_location: list[str]
    mistake_under_perjury: bool
    name: str
    address: str
    phone: str
    consent_to_jurisdiction: bool


def counter_notice_defects(c: CounterNotice) -> list[str]:
    missing = []
    if not c.signature.strip():
        missing.append("signature")
    if not c.removed_material.strip() or not c.former_location:
        missing.append("removed_material")
    if not c.mistake_under_perjury:
        missing.append("mistake_under_perjury")
    if not (c.name.strip() and c.address.strip() and c.phone.strip()) or not (
        c.consent_to_jurisdiction
    ):
        missing.append("identity_and_consent")
    return missing


def putback_window(
    received_at: datetime,
    tz: ZoneInfo,
    is_business_day: Callable[[date], bool] = is_us_business_day,
) -> tuple[datetime, datetime]:
    """Earliest and latest put-back after a valid counter-notice: 10 to 14 business days."""
    return (
        add_business_days(received_at, 10, tz, is_business_day),
        add_business_days(received_at, 14, tz, is_business_day),
    )


def is_repeat_infringer(takedowns: int, threshold: int) -> bool:
    return threshold > 0 and takedowns >= threshold
