"""Staff CheckUser: entries, sharing or withholding their results, and the retention purge.

The results never go into the audit log, a log line or any output other than the case staff's
own view; the audit entries say that something was recorded, shared, withheld or purged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.models import Case, CaseAssignment
from officeactions.cases.selectors import cases_visible_to
from officeactions.checkuser.models import CheckUserDisclosure, CheckUserEntry
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.policy import STAFF_ROLES, PolicyRefusal, Role
from officeactions.policy.checkuser import WithholdReason, check_entry

MAX_TEXT = 20_000
MAX_STEWARDS = 20


# Read-only auditors check the record; they do not need what CheckUser found.
RESULT_ROLES = STAFF_ROLES - {Role.AUDITOR}


def is_case_staff(case: Case, user: User | AnonymousUser) -> bool:
    """The staff on the case (assigned to it, holding a staff role): the only people who see
    CheckUser results, whatever the case's kind lets others see of the case itself."""
    if isinstance(user, AnonymousUser) or not user_roles(user) & RESULT_ROLES:
        return False
    return CaseAssignment.objects.filter(case=case, user=user).exists()


def _lock_case(case: Case, actor: User) -> Case:
    locked = cases_visible_to(actor).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise NotFound(f"No case {case.reference} that you can see.")
    if Role.TS_STAFF not in user_roles(actor) or not is_case_staff(locked, actor):
        raise NotPermitted("Only Trust & Safety staff assigned to the case work with CheckUser.")
    return locked


def _text(value: str, name: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name} is required.", {"field": name})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name} is too long (at most {MAX_TEXT} characters).")
    return text


@transaction.atomic
def checkuser_record(
    *,
    case: Case,
    actor: User,
    purpose: str,
    justification: str,
    wiki: str,
    targets: str,
    results: str = "",
) -> CheckUserEntry:
    """Record one use of CheckUser: purpose, why no other way exists, what was checked, results."""
    try:
        chosen = check_entry(purpose, justification or "")
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    justification = _text(justification, "Justification")
    wiki = _text(wiki, "Wiki")[:64]
    targets = _text(targets, "Accounts or IPs checked")
    results = _text(results, "Results", required=False)
    case = _lock_case(case, actor)
    entry = CheckUserEntry.objects.create(
        case=case,
        purpose=chosen,
        justification=justification,
        wiki=wiki,
        targets=targets,
        results=results,
        performed_by=actor,
        performed_at=timezone.now(),
    )
    audit_append(
        actor=actor,
        action="checkuser.record",
        object_type="checkuser",
        object_id=str(entry.pk),
        case=case,
        data={"purpose": chosen.value, "wiki": wiki, "has_results": bool(results)},
    )
    return entry


def _entry(entry: CheckUserEntry, actor: User) -> CheckUserEntry:
    _lock_case(entry.case, actor)
    return CheckUserEntry.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def checkuser_share(
    *, entry: CheckUserEntry, actor: User, stewards: Iterable[str], note: str = ""
) -> CheckUserDisclosure:
    """Record that the results were shared with the named stewards (people holding that role)."""
    names = sorted({str(s).strip() for s in stewards if str(s).strip()})
    if not names:
        raise InvalidInput("Name the stewards the results are shared with.")
    if len(names) > MAX_STEWARDS:
        raise InvalidInput(f"At most {MAX_STEWARDS} stewards at once.")
    entry = _entry(entry, actor)
    if entry.results_purged_at is not None:
        raise StepRefused("The results were purged after the retention period; nothing to share.")
    User = get_user_model()
    known = set(
        User.objects.filter(
            username__in=names, is_active=True, groups__name=Role.STEWARD.value
        ).values_list("username", flat=True)
    )
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidInput(f"Not stewards: {', '.join(unknown)}.", {"not_stewards": unknown})
    disclosure = CheckUserDisclosure.objects.create(
        entry=entry,
        decision=CheckUserDisclosure.Decision.SHARED,
        stewards=names,
        note=_text(note, "Note", required=False),
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action="checkuser.share",
        object_type="checkuser",
        object_id=str(entry.pk),
        case=entry.case,
        data={"stewards": names},
    )
    return disclosure


@transaction.atomic
def checkuser_withhold(
    *, entry: CheckUserEntry, actor: User, reason: str, note: str = ""
) -> CheckUserDisclosure:
    """Record that the results are withheld, with the policy's reason."""
    try:
        why = WithholdReason(reason)
    except ValueError:
        known = ", ".join(r.value for r in WithholdReason)
        raise InvalidInput(f"Withholding needs a reason: one of {known}; got {reason!r}.") from None
    entry = _entry(entry, actor)
    disclosure = CheckUserDisclosure.objects.create(
        entry=entry,
        decision=CheckUserDisclosure.Decision.WITHHELD,
        withhold_reason=why,
        note=_text(note, "Note", required=False),
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action="checkuser.withhold",
        object_type="checkuser",
        object_id=str(entry.pk),
        case=entry.case,
        reason=why.label,
        data={"withhold_reason": why.value},
    )
    return disclosure


def checkuser_purge(*, now: datetime | None = None) -> int:
    """Purge results held past the retention period; the entry and the audit trail stay."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OFFICEACTIONS_CHECKUSER_RETENTION_DAYS)
    due = CheckUserEntry.objects.filter(results_purged_at__isnull=True, performed_at__lt=cutoff)
    purged = 0
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Claim the entry: a second worker purging at once finds nothing left to do.
            entry = (
                CheckUserEntry.objects.select_for_update()
                .select_related("case")
                .filter(pk=pk, results_purged_at__isnull=True)
                .first()
            )
            if entry is None:
                continue
            entry.results = ""
            entry.results_purged_at = now
            entry.save(update_fields=["results", "results_purged_at"])
            audit_append(
                actor=None,
                action="checkuser.purge",
                object_type="checkuser",
                object_id=str(entry.pk),
                case=entry.case,
                data={"retention_days": settings.OFFICEACTIONS_CHECKUSER_RETENTION_DAYS},
            )
            purged += 1
    return purged
