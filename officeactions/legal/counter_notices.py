"""DMCA counter-notices and put-back: a valid counter-notice is forwarded to the complainant
and the material is put back after 10 business days, unless a court action is reported first.
One transaction per function, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.configured import office_time_zone
from officeactions.cases.selectors import case_get_visible
from officeactions.enforcement.models import Operation
from officeactions.enforcement.runner import enforcement_run
from officeactions.enforcement.wikis import load_wikis
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.legal.models import CounterNotice, DmcaNotice
from officeactions.legal.services import Op, State, clean_text, clean_urls, locate
from officeactions.legal.tasks import putback_task
from officeactions.notify import notify
from officeactions.policy import Role
from officeactions.policy.dmca import CounterNotice as CounterNoticeContent
from officeactions.policy.dmca import counter_notice_defects, putback_window


def _named_places(urls: list[str]) -> set[tuple[str, str]]:
    """(wiki, title) of each URL that is a page of a configured wiki; others are ignored."""
    wikis, named = load_wikis(), set()
    for url in urls:
        try:
            place = locate(url, wikis)
        except InvalidInput:
            continue
        named.add((place["wiki"], place["title"]))
    return named


def _notice_for(reference: str) -> DmcaNotice:
    notice = DmcaNotice.objects.select_related("case").filter(case__reference=reference).first()
    if notice is None:
        raise NotFound(f"No DMCA takedown {reference}.")
    return notice


@transaction.atomic
def dmca_counter_notice_submit(*, reference: str, data: dict[str, Any]) -> CounterNotice:
    notice = _notice_for(reference.strip().upper())
    taken_down = notice.case.operations.filter(
        op__in=[Op.DELETE, Op.HIDE_REVISION], state=State.VERIFIED
    )
    if not taken_down.exists():
        raise StepRefused(f"Nothing was taken down under {notice.case.reference}.")
    settled = notice.counters.exclude(status=CounterNotice.Status.INVALID).first()
    if settled is not None:
        raise StepRefused(
            "A valid counter-notice for this takedown was already received "
            f"({settled.get_status_display()})."
        )
    content = CounterNoticeContent(
        signature=clean_text(data, "signature", 200),
        removed_material=clean_text(data, "removed_material"),
        former_location=clean_urls(data, "former_location"),
        mistake_under_perjury=bool(data.get("mistake_under_perjury")),
        name=clean_text(data, "name", 200),
        address=clean_text(data, "address"),
        phone=clean_text(data, "phone", 64),
        consent_to_jurisdiction=bool(data.get("consent_to_jurisdiction")),
    )
    email = clean_text(data, "email", 254)
    defects = counter_notice_defects(content)
    if not defects:
        removed = {(o.wiki, o.target.split("#")[0]) for o in taken_down}
        if not _named_places(content.former_location) & removed:
            raise InvalidInput(
                "The counter-notice's former location names no material removed under "
                f"{notice.case.reference}."
            )
    counter = CounterNotice.objects.create(
        notice=notice,
        name=content.name,
        address=content.address,
        phone=content.phone,
        email=email,
        signature=content.signature,
        removed_material=content.removed_material,
        former_location=content.former_location,
        mistake_under_perjury=content.mistake_under_perjury,
        consent_to_jurisdiction=content.consent_to_jurisdiction,
        defects=defects,
        status=CounterNotice.Status.INVALID if defects else CounterNotice.Status.WAITING,
    )
    if not defects:
        counter.putback_earliest, counter.putback_latest = putback_window(
            counter.received_at, office_time_zone()
        )
        counter.forwarded_at = timezone.now()
        counter.save()
        putback_task.using(run_after=counter.putback_earliest).enqueue(counter.pk)
        context = {"notice": notice, "counter": counter}
        if notice.email:
            to = notice.email
            transaction.on_commit(lambda: notify("dmca_counter_notice", [to], context))
    audit_append(
        actor=None,
        action="dmca.counter_notice",
        object_type="counter_notice",
        object_id=str(counter.pk),
        case=notice.case,
        data={"valid": not defects, "defects": defects},
    )
    return counter


def _require_legal(actor: User) -> None:
    if Role.LEGAL_COUNSEL not in user_roles(actor):
        raise NotPermitted("This needs the role of legal counsel.")


@transaction.atomic
def dmca_court_action_record(*, counter: CounterNotice, actor: User, note: str) -> CounterNotice:
    """The complainant reported a court action: the material is not put back."""
    _require_legal(actor)
    case_get_visible(actor, counter.notice.case.reference)
    counter = CounterNotice.objects.select_for_update().get(pk=counter.pk)
    if counter.status != CounterNotice.Status.WAITING:
        raise StepRefused(f"The counter-notice is {counter.get_status_display()}; nothing to stop.")
    if not note.strip():
        raise InvalidInput("Say which court action was reported (court, case number, date).")
    counter.status, counter.court_action_note = CounterNotice.Status.COURT_ACTION, note.strip()
    counter.save(update_fields=["status", "court_action_note"])
    audit_append(
        actor=actor,
        action="dmca.court_action",
        object_type="counter_notice",
        object_id=str(counter.pk),
        case=counter.notice.case,
        reason=note.strip(),
    )
    return counter


def dmca_putback(*, counter_id: int) -> str:
    """Put the material the counter-notice names back, unless a court action was reported
    first (the worker runs this 10 business days after the counter-notice)."""
    undo = {Op.DELETE: Op.UNDELETE, Op.HIDE_REVISION: Op.UNHIDE_REVISION}
    with transaction.atomic():
        counter = (
            CounterNotice.objects.select_for_update()
            .select_related("notice__case")
            .get(pk=counter_id)
        )
        if counter.status != CounterNotice.Status.WAITING:
            return f"not put back: {counter.get_status_display()}"
        if counter.putback_earliest and timezone.now() < counter.putback_earliest:
            return "too early: not before 10 business days"
        case = counter.notice.case
        named = _named_places(counter.former_location)
        restore = [
            Operation(
                case=case,
                wiki=op.wiki,
                op=undo[Op(op.op)],
                target=op.target,
                params=op.params,
                performer=op.performer,
            )
            for op in case.operations.filter(op__in=list(undo), state=State.VERIFIED)
            if (op.wiki, op.target.split("#")[0]) in named
        ]
        Operation.objects.bulk_create(restore, ignore_conflicts=True)
    enforcement_run(case_id=case.pk)
    with transaction.atomic():
        counter = CounterNotice.objects.select_for_update().get(pk=counter_id)
        if counter.status != CounterNotice.Status.WAITING:  # a court action came in meanwhile
            return f"not marked put back: {counter.get_status_display()}"
        restored = case.operations.filter(
            op__in=list(undo.values()), target__in=[o.target for o in restore]
        )
        if not restore or restored.exclude(state=State.VERIFIED).exists():
            return "put-back incomplete; see the ledger"
        counter.status, counter.put_back_at = CounterNotice.Status.PUT_BACK, timezone.now()
        counter.save(update_fields=["status", "put_back_at"])
        audit_append(
            actor=None,
            action="dmca.put_back",
            object_type="counter_notice",
            object_id=str(counter.pk),
            case=case,
            data={"restored": len(restore)},
        )
    return "put back"
