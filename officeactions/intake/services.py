"""Public intake: requests come in, are completed, triaged, answered; abusive ones are stopped.

Every function is one transaction and writes its audit entry in it. Requester-facing text is
plain and never carries anything confidential: what the requester sees is the public status
of their own request and the messages staff chose to send them.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from officeactions.accounts.roles import user_roles
from officeactions.audit.services import audit_append
from officeactions.cases.configured import catalog
from officeactions.cases.models import Case
from officeactions.cases.services import case_open_for_request
from officeactions.errors import ApplicationError, InvalidInput, NotFound, NotPermitted, StepRefused
from officeactions.intake import writer
from officeactions.intake.models import AbuseMark, RefusedSubmission, Request, Requester
from officeactions.notify import notify, public_url
from officeactions.policy import PolicyRefusal, Role
from officeactions.policy.intake import (
    REQUIRED_ITEMS,
    AbuseRecord,
    LockoutRule,
    RequestContent,
    lockout_for,
    missing_items,
)
from officeactions.policy.names import normalise_username
from officeactions.web import token_hash

MAX_EVIDENCE_URLS = 25
MAX_TEXT = 20_000
_http_url = URLValidator(schemes=["http", "https"])
_confirm_signer = signing.TimestampSigner(salt="officeactions.intake.confirm-email")


class LockedOut(ApplicationError):
    status = 403


@dataclass
class Submission:
    request: Request
    token: str | None  # None when the submission was a duplicate of an earlier one
    duplicate: bool = False
    missing: list[str] = field(default_factory=list)

    @property
    def status_url(self) -> str | None:
        return status_url(self.token) if self.token else None


def status_url(token: str) -> str:
    return public_url(_status_path(get_script_prefix()).replace(_TOKEN_SLOT, token))


_TOKEN_SLOT = "TOKEN-SLOT"  # noqa: S105 - a placeholder in a URL, not a secret


@functools.cache
def _status_path(script_prefix: str) -> str:
    # Reversed once: every public submission answers with its link, and reverse() costs more
    # than the rest of building the answer. (The prefix only tells the cache apart.)
    return reverse("intake:status", args=[_TOKEN_SLOT])


def _clean_text(value: Any, name: str, limit: int = MAX_TEXT) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"The {name} must be text.")
    text = value or ""
    if len(text) > limit:
        raise InvalidInput(f"The {name} is too long: at most {limit} characters.")
    if "\x00" in text:
        raise InvalidInput(f"The {name} contains a null character.")
    return text.strip()


def _clean_urls(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple):
        raise InvalidInput("Evidence URLs must be a list of links.")
    if len(values) > MAX_EVIDENCE_URLS:
        raise InvalidInput(f"At most {MAX_EVIDENCE_URLS} evidence URLs, please.")
    urls = []
    for raw in values:
        if not isinstance(raw, str):
            raise InvalidInput("Evidence URLs must be a list of links.")
        url = raw.strip()
        try:
            _http_url(url)
        except ValidationError:
            raise InvalidInput(f"{url[:200]!r} is not a valid http(s) URL.") from None
        urls.append(url)
    return urls


def _clean_kind(value: Any) -> str:
    code = _clean_text(value, "action requested", 64)
    if not code:
        return ""
    try:
        kind = catalog().get(code)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    if not kind.publicly_requestable:
        raise InvalidInput(f"A {kind.name} cannot be requested; it is a staff-only step.")
    return code


def _content(req: Request) -> RequestContent:
    return RequestContent(
        action_requested=req.action_requested,
        summary=req.summary,
        community_evidence=tuple(req.community_evidence),
        no_community_process_reason=req.no_community_process_reason,
        supporting_information=req.supporting_information,
    )


def request_missing(req: Request) -> list[str]:
    kind = catalog().get(req.action_requested) if req.action_requested else None
    return missing_items(_content(req), kind)


def missing_words(missing: list[str]) -> list[str]:
    return [REQUIRED_ITEMS[m] for m in missing]


def _content_hash(email: str, kind: str, summary: str) -> str:
    normal = " ".join(summary.lower().split())
    return hashlib.sha256(f"{email}\n{kind}\n{normal}".encode()).hexdigest()


def _remember_username(requester: Requester, username: str) -> None:
    """Only after the lock-out check, and never replacing one: a refused or later attempt must
    not unlink a locked username from its person."""
    if username and not requester.wiki_username:
        requester.wiki_username = username
        requester.save(update_fields=["wiki_username"])


def _locked_until(requester: Requester, username: str, now, held: dict | None = None):
    """A lock-out follows the person: by their email and by any wiki username they gave."""
    if held is None:
        held = _locked_usernames({username} if username else set(), now)
    candidates = [held.get(username), requester.locked_until if requester.locked_at(now) else None]
    return max((c for c in candidates if c is not None), default=None)


def _open_case(req: Request) -> Case:
    kind = catalog().get(req.action_requested)
    case = case_open_for_request(
        reference=req.reference,
        kind=kind.code,
        title=f"Request for a {kind.name}: {req.summary[:120]}",
        summary=req.summary,
        received_at=req.completed_at,
    )
    req.case = case
    return case


def status_token(reference: str, nonce: str) -> str:
    """The private status link's secret. Derived, so the worker can email it; only its hash is
    stored, so the database alone does not give it away."""
    return salted_hmac(
        "officeactions.intake.status-link", f"{reference}:{nonce}", algorithm="sha256"
    ).hexdigest()


def request_submit(*, data: dict[str, Any]) -> Submission:
    """Take a request from the public form or API.

    The request path only validates, checks lock-outs and duplicates, and stores the request;
    the worker files it (``request_file``: the case, its clock, the audit entry, the email),
    normally within a second. Raises InvalidInput for malformed input and LockedOut, after
    recording the attempt, for a requester who is locked out.
    """
    outcome = submission_batcher().store_one(request_validate(data))
    if isinstance(outcome, LockedOut):
        raise outcome  # raised after the transaction, so the refused attempt stays recorded
    return outcome


def request_validate(data: Any) -> writer.Intake:
    """Everything about a submission that needs no database: raises InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput("A request is an object with named fields.")
    email = _clean_text(data.get("email"), "email address", 254).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            "A valid email address is needed, so that we can answer you.", {"field": "email"}
        ) from None
    username = _clean_text(data.get("wiki_username"), "wiki username", 255)
    if username:
        try:
            username = normalise_username(username)
        except PolicyRefusal as exc:
            raise InvalidInput(exc.message, {"field": "wiki_username"}) from None
    kind = _clean_kind(data.get("action_requested"))
    summary = _clean_text(data.get("summary"), "summary")
    fields = {
        "action_requested": kind,
        "summary": summary,
        "community_evidence": _clean_urls(data.get("community_evidence")),
        "no_community_process_reason": _clean_text(
            data.get("no_community_process_reason"), "reason no community process was possible"
        ),
        "supporting_information": _clean_text(
            data.get("supporting_information"), "supporting information"
        ),
        "ncmec_report": _clean_text(data.get("ncmec_report"), "NCMEC report id", 64),
        "requester_name": _clean_text(data.get("name"), "name", 200),
        "requester_username": username,
    }
    return writer.Intake(email, username, fields, _content_hash(email, kind, summary))


def _locked_usernames(usernames: set[str], now: datetime) -> dict[str, datetime]:
    """The latest lock-out held under each wiki username (a lock-out follows the person)."""
    if not usernames:
        return {}
    held: dict[str, datetime] = {}
    rows = Requester.objects.filter(wiki_username__in=usernames, locked_until__gt=now)
    for name, until in rows.values_list("wiki_username", "locked_until"):
        if until is not None:  # always: locked_until__gt leaves out those without one
            held[name] = max(until, held.get(name, until))
    return held


def _refuse_locked_out(requester: Requester, fields: dict[str, Any], until) -> LockedOut:
    RefusedSubmission.objects.create(
        requester=requester,
        action_requested=fields["action_requested"],
        summary=fields["summary"],
        locked_until=until,
    )
    audit_append(
        actor=None,
        action="request.refused_locked_out",
        object_type="requester",
        object_id=str(requester.pk),
        data={"locked_until": until.isoformat()},
    )
    return LockedOut(
        "We are not accepting requests from you until "
        f"{until:%Y-%m-%d %H:%M} UTC, because of earlier abusive requests. "
        "This attempt has been recorded.",
        {"locked_until": until.isoformat()},
    )


def _count_duplicate(original: Request, now) -> Submission:
    Request.objects.filter(pk=original.pk).update(
        duplicates=F("duplicates") + 1, last_duplicate_at=now
    )
    original = Request.objects.get(pk=original.pk)  # every field: it may have come in part
    audit_append(
        actor=None,
        action="request.duplicate",
        object_type="request",
        object_id=original.reference,
        case=original.case,
        data={"duplicates": original.duplicates},
    )
    return Submission(original, None, duplicate=True, missing=request_missing(original))


@transaction.atomic
def request_submit_batch(items: list[writer.Intake]) -> list[Submission | LockedOut]:
    """Store validated submissions in one transaction, answering each in order.

    The same rules as one at a time: a locked-out requester's attempt is recorded and refused;
    the same text from the same requester within the duplicate window (earlier in the batch
    included) is linked to the first, not stored twice. One commit for many submissions is what
    lets the public endpoint keep up under load (see docs/benchmarks.md).
    """
    now = timezone.now()
    requesters = writer.requesters_for(items)
    held = _locked_usernames({item.username for item in items if item.username}, now)
    outcomes: dict[int, Submission | LockedOut] = {}  # by the item's place in ``items``
    accepted: list[int] = []
    for i, item in enumerate(items):
        requester = requesters[item.email]
        until = _locked_until(requester, item.username, now, held)
        if until is not None:
            outcomes[i] = _refuse_locked_out(requester, item.fields, until)
            continue
        _remember_username(requester, item.username)
        accepted.append(i)

    window = timedelta(minutes=settings.OFFICEACTIONS_DUPLICATE_WINDOW_MINUTES)
    earlier = writer.recent_requests(
        sorted({items[i].content_hash for i in accepted}),
        sorted({requesters[items[i].email].pk for i in accepted}),
        since=now - window,
    )

    fresh: list[tuple[int, Request, str, list[str]]] = []
    repeats: list[tuple[int, Request]] = []
    for i in accepted:
        item = items[i]
        requester = requesters[item.email]
        key = (requester.pk, item.content_hash)
        if key in earlier and item.fields["summary"]:
            repeats.append((i, earlier[key]))
            continue
        nonce = secrets.token_hex(16)
        req = Request(
            requester=requester,
            status=Request.Status.INCOMPLETE,
            received_at=now,
            token_nonce=nonce,
            content_hash=item.content_hash,
            **item.fields,
        )
        token = status_token(req.reference, nonce)
        req.status_token_hash = token_hash(token)
        missing = request_missing(req)
        if not missing:
            req.status, req.completed_at = Request.Status.SUBMITTED, now
        earlier.setdefault(key, req)
        fresh.append((i, req, token, missing))

    writer.store_new([req for _, req, _, _ in fresh], now)
    for i, req, token, missing in fresh:
        outcomes[i] = Submission(req, token, missing=missing)
    for i, original in repeats:
        outcomes[i] = _count_duplicate(original, now)
    return [outcomes[i] for i in range(len(items))]


def request_file_pending(chunk: int = 500) -> int:
    """File every stored request not yet filed (``writer.file_pending``); how many it filed."""
    return writer.file_pending(lambda pk: request_file(request_id=pk), chunk)


_batcher = writer.SubmissionBatcher(request_submit_batch)


def submission_batcher() -> writer.SubmissionBatcher:
    return _batcher


@transaction.atomic
def request_file(*, request_id: int) -> str:
    """File a stored request: its case (when complete), the audit entry, the requester's email.

    Idempotent: the worker may run it more than once for the same request.
    """
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        return "no such request"
    if req.filed_at is not None:
        return "already filed"
    missing = request_missing(req)
    if not missing and req.case_id is None:
        _open_case(req)
    req.filed_at = timezone.now()
    req.save(update_fields=["filed_at", "case"])
    audit_append(
        actor=None,
        action="request.submit",
        object_type="request",
        object_id=req.reference,
        case=req.case,
        data={"kind": req.action_requested, "complete": not missing, "missing": missing},
    )
    requester = req.requester
    confirm = None
    if requester is not None and requester.email_verified_at is None:
        confirm = public_url(
            reverse("intake:confirm", args=[_confirm_signer.sign(str(requester.pk))])
        )
    context = {
        "request": req,
        "missing": missing_words(missing),
        "status_url": status_url(status_token(req.reference, req.token_nonce)),
        "confirm_url": confirm,
    }
    if requester is not None:
        email = requester.email
        transaction.on_commit(lambda: notify("request_received", [email], context))
    return "filed with a case" if req.case_id else "filed, incomplete"


def request_by_token(token: str) -> Request:
    """The request a private status link belongs to; a forged or unknown token finds nothing."""
    if not token or len(token) > 100:
        raise NotFound("No request has this status link.")
    req = Request.objects.select_related("case").filter(status_token_hash=token_hash(token)).first()
    if req is None:
        raise NotFound("No request has this status link.")
    return req


@transaction.atomic
def request_complete(*, token: str, data: dict[str, Any]) -> Submission:
    """Add what an incomplete request lacked, through its status link."""
    req = request_by_token(token)
    req = Request.objects.select_for_update().get(pk=req.pk)
    if req.status != Request.Status.INCOMPLETE:
        raise StepRefused("This request is already complete; nothing needs to be added.")
    if req.requester is not None:
        until = _locked_until(req.requester, req.requester.wiki_username, timezone.now())
        if until is not None:
            raise LockedOut(
                f"We are not accepting requests from you until {until:%Y-%m-%d %H:%M} UTC."
            )
    if data.get("action_requested") and not req.action_requested:
        req.action_requested = _clean_kind(data["action_requested"])
    for name in ("summary", "no_community_process_reason", "supporting_information"):
        if data.get(name):
            addition = _clean_text(data[name], name.replace("_", " "))
            current = getattr(req, name)
            setattr(req, name, f"{current}\n\n{addition}".strip() if current else addition)
    if data.get("community_evidence"):
        req.community_evidence = req.community_evidence + _clean_urls(data["community_evidence"])
        if len(req.community_evidence) > MAX_EVIDENCE_URLS:
            raise InvalidInput(f"At most {MAX_EVIDENCE_URLS} evidence URLs, please.")
    missing = request_missing(req)
    if not missing:
        req.status, req.completed_at = Request.Status.SUBMITTED, timezone.now()
        if req.filed_at is not None:  # otherwise the worker opens the case when it files it
            _open_case(req)
    req.save()
    audit_append(
        actor=None,
        action="request.complete" if not missing else "request.amend",
        object_type="request",
        object_id=req.reference,
        case=req.case,
        data={"missing": missing},
    )
    return Submission(req, token, missing=missing)


@transaction.atomic
def requester_confirm_email(*, signed: str) -> Requester:
    try:
        pk = _confirm_signer.unsign(signed, max_age=timedelta(days=14))
    except signing.BadSignature:
        raise InvalidInput("This confirmation link is not valid or has expired.") from None
    requester = Requester.objects.select_for_update().filter(pk=pk).first()
    if requester is None:
        raise InvalidInput("This confirmation link is not valid or has expired.")
    if requester.email_verified_at is None:  # a second visit changes nothing
        requester.email_verified_at = timezone.now()
        requester.save(update_fields=["email_verified_at"])
        audit_append(
            actor=None,
            action="requester.confirm_email",
            object_type="requester",
            object_id=str(requester.pk),
        )
    return requester


def _say(req: Request, text: str, actor: User | None) -> None:
    req.messages.create(text=text)
    if req.requester is not None:
        context = {"request": req, "message": text}
        email = req.requester.email
        transaction.on_commit(lambda: notify("request_update", [email], context))


def request_after_triage(
    *,
    case: Case,
    actor: User,
    step: str,
    message: str = "",
    seriousness: int = 1,
    bad_faith: bool = False,
) -> None:
    """Answer the requester after a triage step; apply the abusive-requester rule."""
    req = Request.objects.filter(case=case).select_related("requester").first()
    if req is None:
        if step == "mark_abusive":
            raise InvalidInput("Only a case that came from a request can be marked abusive.")
        return
    if step == "mark_abusive":
        _mark_abusive(req, case, actor, seriousness, bad_faith)
        return
    text = (
        _clean_text(message, "message to the requester")
        or render_to_string(
            f"intake/messages/{step}.txt",
            {"kind_name": case.action_kind.name, "team": case.team_label},
        ).strip()
    )
    _say(req, text, actor)


def _mark_abusive(req: Request, case: Case, actor: User, seriousness: int, bad_faith: bool) -> None:
    if req.requester is None:
        raise InvalidInput("This request has no requester on record to warn or lock out.")
    if seriousness not in (1, 2, 3):
        raise InvalidInput("Seriousness is 1 (inappropriate), 2 (harassing) or 3 (threatening).")
    requester = Requester.objects.select_for_update().get(pk=req.requester.pk)
    now = timezone.now()
    history = [
        AbuseRecord(m.recorded_at, m.seriousness, m.bad_faith) for m in requester.abuse.all()
    ]
    rule = LockoutRule.from_settings(settings.OFFICEACTIONS_LOCKOUT_RULE)
    decision = lockout_for(history, AbuseRecord(now, seriousness, bad_faith), rule)
    AbuseMark.objects.create(
        requester=requester,
        case=case,
        seriousness=seriousness,
        bad_faith=bad_faith,
        outcome=AbuseMark.Outcome.WARNING if decision.warning_only else AbuseMark.Outcome.LOCKOUT,
        lockout_days=decision.days,
        locked_until=decision.until,
        explanation=decision.explanation,
        recorded_by=actor,
        recorded_at=now,
    )
    if decision.until is None:  # a warning only (lockout_for sets no end)
        requester.warned_at = now
        template = "requester_warning"
    else:
        requester.locked_until = max(decision.until, requester.locked_until or decision.until)
        requester.lockout_reason = decision.explanation
        template = "requester_lockout"
    requester.save(update_fields=["warned_at", "locked_until", "lockout_reason"])
    audit_append(
        actor=actor,
        action="requester.warning" if decision.warning_only else "requester.lockout",
        object_type="requester",
        object_id=str(requester.pk),
        case=case,
        reason=decision.explanation,
        data={"days": decision.days, "seriousness": seriousness, "bad_faith": bad_faith},
    )
    req.messages.create(text=render_to_string("intake/messages/mark_abusive.txt").strip())
    context = {"request": req, "until": requester.locked_until}
    email = requester.email
    transaction.on_commit(lambda: notify(template, [email], context))


def requester_of(case: Case) -> Requester | None:
    """The requester whose request became this case, if it came from one."""
    req = Request.objects.filter(case=case).select_related("requester").first()
    return req.requester if req else None


@transaction.atomic
def requester_lockout_lift(*, requester: Requester, actor: User, reason: str) -> Requester:
    if not user_roles(actor) & {Role.TS_STAFF, Role.LEGAL_COUNSEL}:
        raise NotPermitted("Lifting a lock-out needs the role of T&S staff or legal counsel.")
    if not reason.strip():
        raise InvalidInput("Lifting a lock-out needs a reason.")
    requester = Requester.objects.select_for_update().get(pk=requester.pk)
    was = requester.locked_until
    if was is None or not requester.locked_at(timezone.now()):
        raise StepRefused("This requester is not locked out.")
    requester.locked_until = None
    requester.save(update_fields=["locked_until"])
    audit_append(
        actor=actor,
        action="requester.lockout_lift",
        object_type="requester",
        object_id=str(requester.pk),
        reason=reason.strip(),
        data={"was_locked_until": was.isoformat()},
    )
    return requester
