"""The catalog as the running product sees it: the policy's, with the operator's overrides."""

from functools import cache

from django.conf import settings

from officeactions.policy import CATALOG, Catalog


@cache
def catalog() -> Catalog:
    return CATALOG.with_review_overrides(settings.OFFICEACTIONS_REVIEW_OVERRIDES)
