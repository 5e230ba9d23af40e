"""What the legal kinds add to a case: the DMCA notice with its counter-notices, and the child
protection section (suppression, NCMEC reports). Registered in LegalConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.urls import path

from officeactions.cases.extensions import CaseSection, Hook, Registry, Slot, kinds
from officeactions.cases.models import Case
from officeactions.enforcement import planner
from officeactions.enforcement.models import Incident, Operation
from officeactions.legal import views
from officeactions.legal.models import DmcaNotice
from officeactions.legal.services import (
    after_takedown,
    defect_words,
    dmca_operations,
    takedown_reverted,
)
from officeactions.policy.catalog import Target
from officeactions.policy.dmca import COUNTER_NOTICE_ELEMENTS, NOTICE_ELEMENTS

LEGAL_KINDS = kinds("dmca_takedown", "child_protection")


def dmca_context(case: Case, user: Any) -> dict[str, Any]:
    notice = DmcaNotice.objects.filter(case=case).first()
    if notice is None:
        return {"dmca_notice": None}
    return {
        "dmca_notice": notice,
        "notice_defects": defect_words(notice.defects, NOTICE_ELEMENTS),
        "counters": [
            (c, defect_words(c.defects, COUNTER_NOTICE_ELEMENTS)) for c in notice.counters.all()
        ],
    }


def child_protection_context(case: Case, user: Any) -> dict[str, Any]:
    return {"ncmec_reports": case.ncmec_reports.all()}


def _deletion(operation: Operation) -> bool:
    """A page deleted for one of legal's cases: a takedown, or a child-protection suppression
    where the revision could not be suppressed."""
    return operation.op == Operation.Op.DELETE and operation.case.kind in LEGAL_KINDS


def deletion_verified(operation: Operation) -> None:
    if _deletion(operation):
        after_takedown(operation)


def deletion_reverted(operation: Operation, incident: Incident) -> None:
    if _deletion(operation):
        takedown_reverted(operation, incident)


def register(registry: Registry) -> None:
    planner.register(Target.CONTENT, dmca_operations)
    registry.on(Hook.AFTER_VERIFIED, deletion_verified)
    registry.on(Hook.AFTER_REVERT, deletion_reverted)
    registry.add_section(
        CaseSection(Slot.KIND, "legal/case/dmca_notice.html", dmca_context, kinds("dmca_takedown"))
    )
    registry.add_section(
        CaseSection(
            Slot.KIND,
            "legal/case/child_protection.html",
            child_protection_context,
            kinds("child_protection"),
        )
    )


# Under cases/ in the "cases" namespace (the shell's urls.py composes them).
case_urlpatterns = [
    path("<str:reference>/dmca/court-action/", views.court_action, name="court-action"),
    path("<str:reference>/dmca/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<str:reference>/child-protection/suppress/", views.suppress, name="suppress"),
    path("<str:reference>/child-protection/ncmec/", views.ncmec, name="ncmec"),
]
