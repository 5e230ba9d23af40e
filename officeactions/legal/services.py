"""Legal workflows: DMCA notices, takedowns, counter-notices and put-back; repeat infringers;
child-protection suppression and NCMEC reports. One transaction per function, audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.catalog import office_time_zone
from officeactions.cases.models import Case, Subject, SubjectAccount
from officeactions.cases.selectors import case_get_visible
from officeactions.cases.services import case_follow_up_require, case_open_for_request
from officeactions.enforcement.models import Operation
from officeactions.enforcement.registry import WikiConfig, load_registry
from officeactions.enforcement.runner import enforcement_run
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.legal.models import CounterNotice, DmcaAttachment, DmcaNotice, NcmecReport
from officeactions.notify import notify
from officeactions.policy import Role
from officeactions.policy.dmca import (
    NOTICE_ELEMENTS,
    counter_notice_defects,
    is_repeat_infringer,
    notice_defects,
    putback_window,
)
from officeactions.policy.dmca import CounterNotice as CounterNoticeContent
from officeactions.policy.dmca import Notice as NoticeContent
from officeactions.policy.workflow import CaseState

Op, State = Operation.Op, Operation.State
_http_url = URLValidator(schemes=["http", "https"])
MAX_URLS = 50


def _text(data: dict, name: str, limit: int = 5000) -> str:
    value = "" if data.get(name) is None else str(data.get(name))
    if len(value) > limit:
        raise InvalidInput(f"{name.replace('_', ' ')} is too long (at most {limit} characters).")
    return value.strip()


def _urls(data: dict, name: str) -> list[str]:
    values = data.get(name) or []
    if isinstance(values, str):
        values = values.split()
    if not isinstance(values, list | tuple) or len(values) > MAX_URLS:
        raise InvalidInput(f"{name.replace('_', ' ')}: a list of at most {MAX_URLS} URLs.")
    for url in values:
        try:
            _http_url(str(url))
        except ValidationError:
            raise InvalidInput(f"{str(url)[:200]!r} is not a valid http(s) URL.") from None
    return [str(u).strip() for u in values]


def locate(url: str, wikis: dict[str, WikiConfig]) -> dict[str, Any]:
    """Which configured wiki, page and (for an oldid link) revision a URL points to."""
    parts = urlsplit(url)
    for wiki in wikis.values():
        base = urlsplit(wiki.api_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            continue
        query = parse_qs(parts.query)
        title = query.get("title", [""])[0]
        if not title and "/index.php/" in parts.path:
            title = parts.path.split("/index.php/", 1)[1]
        if not title and parts.path.startswith("/wiki/"):
            title = parts.path[len("/wiki/") :]
        title = unquote(title).replace("_", " ").strip()
        if not title:
            break
        revid = query.get("oldid", [""])[0]
        return {
            "wiki": wiki.dbname,
            "title": title,
            "revid": int(revid) if revid.isascii() and revid.isdigit() else None,
        }
    raise InvalidInput(f"{url[:200]!r} is not a page on one of our wikis.")


def defect_words(defects: list[str], elements: dict[str, str]) -> list[str]:
    return [elements[d] for d in defects]


# -- takedown notices ----------------------------------------------------------------------


# Recognised by their first bytes, not by the name or type the sender claims.
_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def _attachment_type(upload) -> str:
    head = upload.read(2048)
    upload.seek(0)
    for signature, content_type in _SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if b"\x00" not in head:
            return "text/plain"
    raise InvalidInput(
        f"Attachment {upload.name!r}: only PDF, PNG, JPEG or plain-text documents are accepted."
    )


def _check_attachments(uploads: list) -> list[tuple[Any, str]]:
    if len(uploads) > settings.OFFICEACTIONS_MAX_ATTACHMENTS:
        raise InvalidInput(f"At most {settings.OFFICEACTIONS_MAX_ATTACHMENTS} attachments.")
    limit = settings.OFFICEACTIONS_MAX_ATTACHMENT_BYTES
    checked = []
    for upload in uploads:
        if upload.size > limit:
            raise InvalidInput(
                f"Attachment {upload.name!r} is {upload.size:,} bytes; at most {limit:,}."
            )
        checked.append((upload, _attachment_type(upload)))
    return checked


@transaction.atomic
def dmca_notice_submit(*, data: dict[str, Any], attachments: list | None = None) -> DmcaNotice:
    """Receive a takedown notice. A defective one is kept, with its defects, and not acted on."""
    checked = _check_attachments(list(attachments or []))
    email = _text(data, "email", 254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(f"{email!r} is not a valid email address.") from None
    sender = _text(data, "sender_name", 200)
    if not sender:
        raise InvalidInput("The notice needs the name of the person sending it.")
    works = [str(w).strip() for w in (data.get("works") or []) if str(w).strip()]
    infringing = _urls(data, "infringing_urls")
    wikis = load_registry()
    located = [locate(url, wikis) for url in infringing]
    live = [
        n
        for n in DmcaNotice.objects.exclude(
            case__state__in=[CaseState.DECLINED, CaseState.REJECTED, CaseState.LIFTED]
        ).select_related("case")
        if n.valid  # a defective notice blocks nothing
    ]
    for place in located:
        clash = next((n for n in live if place in n.located), None)
        if clash is not None:
            raise StepRefused(
                f"{place['title']} on {place['wiki']} is already the subject of notice "
                f"{clash.case.reference}.",
                {"reference": clash.case.reference},
            )
    content = NoticeContent(
        signature=_text(data, "signature", 200),
        works=works,
        infringing_urls=infringing,
        address=_text(data, "address"),
        phone=_text(data, "phone", 64),
        email=email,
        good_faith=bool(data.get("good_faith")),
        accuracy_under_perjury=bool(data.get("accuracy_under_perjury")),
    )
    defects = notice_defects(content)
    now = timezone.now()
    case = case_open_for_request(
        reference=None,
        kind="dmca_takedown",
        title=f"DMCA notice: {(works or ['(no work named)'])[0][:150]}",
        summary="; ".join(works),
        received_at=now,
    )
    notice = DmcaNotice.objects.create(
        case=case,
        sender_name=sender,
        sender_organisation=_text(data, "sender_organisation", 200),
        principal_name=_text(data, "principal_name", 200),
        address=content.address,
        country_code=_text(data, "country_code", 2).upper(),
        phone=content.phone,
        email=email,
        works=works,
        copyrighted_urls=_urls(data, "copyrighted_urls"),
        infringing_urls=infringing,
        located=located,
        signature=content.signature,
        good_faith=content.good_faith,
        accuracy_under_perjury=content.accuracy_under_perjury,
        defects=defects,
        received_at=now,
    )
    for upload, content_type in checked:
        DmcaAttachment.objects.create(
            notice=notice,
            file=upload,
            name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
        )
    audit_append(
        actor=None,
        action="dmca.notice",
        object_type="dmca_notice",
        object_id=case.reference,
        case=case,
        data={
            "valid": not defects,
            "defects": defects,
            "urls": len(infringing),
            "attachments": len(checked),
        },
    )
    return notice


def _uploader_notice(notice: DmcaNotice, reference: str) -> str:
    """What the uploader is told: the notice, without a private individual's contact details."""
    # A private individual's name stays off the public wiki, as in the public log.
    sender = notice.sender_organisation or "a private individual"
    lines = [
        f"== Office action: DMCA takedown ({reference}) ==",
        f"Material you contributed was removed after a DMCA takedown notice from {sender}.",
        "Works named in the notice: " + "; ".join(notice.works) + ".",
        "Material removed: " + ", ".join(notice.infringing_urls) + ".",
    ]
    if not notice.sender_is_private and notice.email:
        lines.append(f"The complainant can be reached at {notice.email}.")
    lines.append(
        "If you believe the removal was a mistake or misidentification, you may file a "
        f"counter-notice citing {reference} (17 U.S.C. 512(g)(3)); doing so may lead to legal "
        "proceedings and requires consent to the jurisdiction of a United States court. "
        "Reverting the removal yourself may lead to the termination of your account. ~~~~"
    )
    return "\n\n" + "\n\n".join(lines) + "\n"


def dmca_operations(case: Case, performer: str, wikis: dict[str, WikiConfig]) -> list[Operation]:
    """The takedown: each located page deleted (or revision deleted), and the uploader told."""
    notice = DmcaNotice.objects.filter(case=case).first()
    if notice is None:
        raise InvalidInput("This DMCA case has no takedown notice on record.")
    if not notice.valid:
        missing = "; ".join(defect_words(notice.defects, NOTICE_ELEMENTS))
        raise InvalidInput(f"The notice is not valid, so it is not acted on. It lacks: {missing}")
    ops: list[Operation] = []
    uploaders: dict[tuple[str, str], list[str]] = {}
    for place in notice.located:
        wiki = wikis.get(place["wiki"])
        if wiki is None:
            raise InvalidInput(f"Wiki {place['wiki']} is no longer configured.")
        uploader = _uploader(wiki, place)
        if place.get("revid"):
            op = Operation(
                op=Op.HIDE_REVISION,
                target=f"{place['title']}#{place['revid']}",
                params={"revid": place["revid"], "uploader": uploader},
            )
        else:
            op = Operation(op=Op.DELETE, target=place["title"], params={"uploader": uploader})
        op.case, op.wiki, op.performer = case, place["wiki"], performer
        ops.append(op)
        if uploader:
            uploaders.setdefault((place["wiki"], uploader), []).append(place["title"])
    for (dbname, uploader), _titles in uploaders.items():
        ops.append(
            Operation(
                case=case,
                wiki=dbname,
                op=Op.NOTIFY,
                target=f"User talk:{uploader}",
                params={"text": _uploader_notice(notice, case.reference), "marker": case.reference},
                performer=performer,
            )
        )
    return ops


def _uploader(wiki: WikiConfig, place: dict) -> str:
    try:
        with WikiClient(wiki.api_url, wiki.office) as client:
            if place.get("revid"):
                return (client.revision(place["revid"]) or {}).get("user", "")
            return client.creator(place["title"]) or ""
    except WikiError:
        return ""  # not fatal: the takedown proceeds; nobody is notified or counted


# -- repeat infringers and reverted takedowns -----------------------------------------------


def _propose_termination(wiki: str, username: str, why: str, source: Case) -> Case | None:
    """Open a case proposing account termination (a global ban) for review, once per user."""
    existing = Case.objects.filter(
        kind="global_ban", subject__accounts__username=username, subject__accounts__wiki=wiki
    ).exclude(state__in=[CaseState.DECLINED, CaseState.REJECTED, CaseState.LIFTED])
    if existing.exists():
        return None
    subject = Subject.objects.create(display_name=username, notes=why)
    SubjectAccount.objects.create(subject=subject, wiki=wiki, username=username)
    case = case_open_for_request(
        reference=None,
        kind="global_ban",
        title=f"Account termination proposed: {username}",
        summary=f"{why} (from {source.reference})",
        received_at=timezone.now(),
    )
    case.subject = subject
    case.save(update_fields=["subject"])
    audit_append(
        actor=None,
        action="dmca.termination_proposed",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=why,
        data={"wiki": wiki, "username": username, "source": source.reference},
    )
    return case


def after_takedown(op: Operation) -> None:
    """Count accepted takedowns per uploader; at the threshold, propose termination."""
    uploader = op.params.get("uploader")
    if not uploader:
        return
    count = (
        Operation.objects.filter(op=Op.DELETE, state=State.VERIFIED, wiki=op.wiki)
        .filter(params__uploader=uploader)
        .values("case")
        .distinct()
        .count()
    )
    threshold = settings.OFFICEACTIONS_REPEAT_INFRINGER_THRESHOLD
    if is_repeat_infringer(count, threshold):
        _propose_termination(
            op.wiki, uploader, f"Repeat infringer: {count} DMCA takedowns", op.case
        )


def takedown_reverted(op: Operation, incident) -> None:
    _propose_termination(
        op.wiki,
        incident.wiki_user,
        f"Reverted a DMCA takedown ({op.target})",
        op.case,
    )


# -- counter-notices and put-back ------------------------------------------------------------


def _named_places(urls: list[str]) -> set[tuple[str, str]]:
    """(wiki, title) of each URL that is a page of a configured wiki; others are ignored."""
    wikis, named = load_registry(), set()
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
        signature=_text(data, "signature", 200),
        removed_material=_text(data, "removed_material"),
        former_location=_urls(data, "former_location"),
        mistake_under_perjury=bool(data.get("mistake_under_perjury")),
        name=_text(data, "name", 200),
        address=_text(data, "address"),
        phone=_text(data, "phone", 64),
        consent_to_jurisdiction=bool(data.get("consent_to_jurisdiction")),
    )
    email = _text(data, "email", 254)
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
        from officeactions.legal.tasks import putback_task

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


def _require_legal(actor: AbstractBaseUser) -> None:
    if Role.LEGAL_COUNSEL not in user_roles(actor):
        raise NotPermitted("This needs the role of legal counsel.")


@transaction.atomic
def dmca_court_action_record(
    *, counter: CounterNotice, actor: AbstractBaseUser, note: str
) -> CounterNotice:
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


def lumen_notice(notice: DmcaNotice) -> dict[str, Any]:
    """The notice in the Lumen database's shape (app/serializers/notice_serializer.rb)."""
    return {
        "id": notice.case.reference,
        "type": "DMCA",
        "title": notice.case.title,
        "date_sent": notice.received_at.date().isoformat(),
        "date_received": notice.received_at.date().isoformat(),
        "sender_name": notice.sender_organisation or "Private individual",
        "principal_name": notice.principal_name or notice.sender_organisation or "",
        "recipient_name": "Wikimedia Foundation",
        "works": [
            {
                "description": "; ".join(notice.works),
                "infringing_urls": [{"url": u} for u in notice.infringing_urls],
                "copyrighted_urls": [{"url": u} for u in notice.copyrighted_urls],
            }
        ],
        "jurisdictions": [notice.country_code or "US"],
        "action_taken": "Yes",
        "language": "en",
    }


def accepted_takedowns():
    return (
        DmcaNotice.objects.filter(
            case__state__in=[CaseState.BEING_ENFORCED, CaseState.IN_EFFECT, CaseState.LIFTED]
        )
        .select_related("case")
        .prefetch_related("counters")
        .order_by("-received_at")
    )


# -- child protection ------------------------------------------------------------------------


def child_protection_suppress(*, case: Case, actor: AbstractBaseUser, url: str) -> Operation:
    """Suppress content at once, before any second review: revision suppression where the wiki
    allows it (an older revision), else deletion of the page. Runs in the request: "at once"."""
    op = _suppression_record(case, actor, url)
    enforcement_run(case_id=op.case_id)
    op.refresh_from_db()
    return op


@transaction.atomic
def _suppression_record(case: Case, actor: AbstractBaseUser, url: str) -> Operation:
    case = case_get_visible(actor, case.reference)
    if case.action_kind.code != "child_protection" or Role.CHILD_PROTECTION not in user_roles(
        actor
    ):
        raise NotPermitted(
            "Only designated child-protection staff suppress content, on such cases."
        )
    if case.case_state in (CaseState.DECLINED, CaseState.REJECTED, CaseState.DEFERRED):
        raise StepRefused("This case is closed.")
    try:
        _http_url(url)
    except ValidationError:
        raise InvalidInput(f"{url[:200]!r} is not a valid http(s) URL.") from None
    place = locate(url, load_registry())
    if place.get("revid"):
        op = Operation(
            op=Op.SUPPRESS,
            target=f"{place['title']}#{place['revid']}",
            params={"revid": place["revid"]},
        )
    else:
        op = Operation(op=Op.DELETE, target=place["title"])
    op.case, op.wiki, op.performer = case, place["wiki"], "office"
    if Operation.objects.filter(case=case, wiki=op.wiki, op=op.op, target=op.target).exists():
        raise StepRefused(f"{op.target} on {op.wiki} is already being suppressed.")
    op.save()
    case_follow_up_require(case=case, actor=actor)  # acted at once: a second review falls due
    audit_append(
        actor=actor,
        action="child_protection.suppress",
        object_type="operation",
        object_id=str(op.pk),
        case=case,
        data={"wiki": op.wiki, "op": op.op},
    )
    return op


@transaction.atomic
def ncmec_report_record(
    *,
    case: Case,
    actor: AbstractBaseUser,
    report_id: str,
    reported_at: datetime,
    preserved: str,
    preservation_ends: date | None = None,
    law_enforcement: str = "",
) -> NcmecReport:
    case = case_get_visible(actor, case.reference)
    if case.action_kind.code != "child_protection" or Role.CHILD_PROTECTION not in user_roles(
        actor
    ):
        raise NotPermitted("Only designated child-protection staff record NCMEC reports.")
    if not report_id.strip() or not preserved.strip():
        raise InvalidInput("A NCMEC report needs its report id and what was preserved, where.")
    if reported_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput("The report time is in the future.")
    # 18 U.S.C. 2258A(h) as amended by the REPORT Act (2024): one year unless extended.
    ends = preservation_ends or (reported_at + timedelta(days=365)).date()
    if ends < reported_at.date():
        raise InvalidInput("Preservation cannot end before the report was made.")
    if NcmecReport.objects.filter(report_id=report_id.strip()).exists():
        raise StepRefused(f"NCMEC report {report_id.strip()} is already recorded.")
    report = NcmecReport.objects.create(
        case=case,
        report_id=report_id.strip(),
        reported_at=reported_at,
        preserved=preserved.strip(),
        preservation_ends=ends,
        law_enforcement=law_enforcement.strip(),
        referred_at=timezone.now() if law_enforcement.strip() else None,
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action="child_protection.ncmec_report",
        object_type="ncmec_report",
        object_id=str(report.pk),
        case=case,
        data={"preservation_ends": ends.isoformat(), "referral": bool(law_enforcement.strip())},
    )
    return report
