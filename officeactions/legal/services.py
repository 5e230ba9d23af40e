"""Legal workflows: DMCA notices and takedowns, repeat infringers, and the public DMCA log
(Lumen's shape); the checks of submitted text and URLs the other legal services share.
Counter-notices and put-back are in counter_notices.py, child protection in
child_protection.py. One transaction per function, audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.models import Case, Subject, SubjectAccount
from officeactions.cases.services import case_open_for_request
from officeactions.enforcement.models import Incident, Operation
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.enforcement.wikis import WikiConfig, load_wikis
from officeactions.errors import InvalidInput, StepRefused
from officeactions.legal.models import DmcaAttachment, DmcaNotice
from officeactions.policy.dmca import NOTICE_ELEMENTS, is_repeat_infringer, notice_defects
from officeactions.policy.dmca import Notice as NoticeContent
from officeactions.policy.workflow import CaseState

Op, State = Operation.Op, Operation.State
http_url = URLValidator(schemes=["http", "https"])
MAX_URLS = 50


def clean_text(data: dict, name: str, limit: int = 5000) -> str:
    value = "" if data.get(name) is None else str(data.get(name))
    if len(value) > limit:
        raise InvalidInput(f"{name.replace('_', ' ')} is too long (at most {limit} characters).")
    return value.strip()


def clean_urls(data: dict, name: str) -> list[str]:
    values = data.get(name) or []
    if isinstance(values, str):
        values = values.split()
    if not isinstance(values, list | tuple) or len(values) > MAX_URLS:
        raise InvalidInput(f"{name.replace('_', ' ')}: a list of at most {MAX_URLS} URLs.")
    for url in values:
        try:
            http_url(str(url))
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
    email = clean_text(data, "email", 254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(f"{email!r} is not a valid email address.") from None
    sender = clean_text(data, "sender_name", 200)
    if not sender:
        raise InvalidInput("The notice needs the name of the person sending it.")
    works = [str(w).strip() for w in (data.get("works") or []) if str(w).strip()]
    infringing = clean_urls(data, "infringing_urls")
    wikis = load_wikis()
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
        signature=clean_text(data, "signature", 200),
        works=works,
        infringing_urls=infringing,
        address=clean_text(data, "address"),
        phone=clean_text(data, "phone", 64),
        email=email,
        good_faith=bool(data.get("good_faith")),
        accuracy_under_perjury=bool(data.get("accuracy_under_perjury")),
    )
    defects = notice_defects(content)
    now = timezone.now()
    case = case_open_for_request(
        reference=None,  # a new reference
        kind="dmca_takedown",
        title=f"DMCA notice: {(works or ['(no work named)'])[0][:150]}",
        summary="; ".join(works),
        received_at=now,
    )
    notice = DmcaNotice.objects.create(
        case=case,
        sender_name=sender,
        sender_organisation=clean_text(data, "sender_organisation", 200),
        principal_name=clean_text(data, "principal_name", 200),
        address=content.address,
        country_code=clean_text(data, "country_code", 2).upper(),
        phone=content.phone,
        email=email,
        works=works,
        copyrighted_urls=clean_urls(data, "copyrighted_urls"),
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
        reference=None,  # a new reference
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


def takedown_reverted(op: Operation, incident: Incident) -> None:
    _propose_termination(
        op.wiki,
        incident.wiki_user,
        f"Reverted a DMCA takedown ({op.target})",
        op.case,
    )


# -- the public DMCA log -------------------------------------------------------------------


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


def accepted_takedowns() -> QuerySet[DmcaNotice]:
    return (
        DmcaNotice.objects.filter(
            case__state__in=[CaseState.BEING_ENFORCED, CaseState.IN_EFFECT, CaseState.LIFTED]
        )
        .select_related("case")
        .prefetch_related("counters")
        .order_by("-received_at")
    )
