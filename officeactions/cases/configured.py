"""The catalog as the running product sees it: the policy's, with the operator's overrides."""

from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from officeactions.policy import CATALOG, Catalog


@cache
def catalog() -> Catalog:
    return CATALOG.with_review_overrides(settings.OFFICEACTIONS_REVIEW_OVERRIDES)


@cache
def office_time_zone() -> ZoneInfo:
    """The office's calendar: business days and week targets are counted in it."""
    return ZoneInfo(settings.OFFICEACTIONS_TIME_ZONE)
