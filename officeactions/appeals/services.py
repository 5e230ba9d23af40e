"""Appeals: filed by the people directly involved, approved by legal counsel, then decided.

Every step is one function: checked (who, from which state), atomic, audited. The appellant
never sees more than the plain status words of their own appeal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from officeactions.accounts.roles import user_roles
from officeactions.appeals.models import ActionModification, Appeal
from officeactions.audit.models import AuditEntry
from officeactions.audit.services import audit_append
from officeactions.cases.configured import catalog, office_time_zone
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import Case
from officeactions.cases.selectors import cases_visible_to
from officeactions.enforcement.services import case_lift_decided
from officeactions.errors import InvalidInput, NotFound, NotPermitted, StepRefused, refusal
from officeactions.intake.models import Request
from officeactions.intake.services import request_by_token, status_token
from officeactions.notify import notify, public_url
from officeactions.policy import PolicyRefusal, Role, Team
from officeactions.policy.appeals import (
    ACTION_ISSUED,
    ISSUING_STEPS,
    PUBLIC_APPEAL_STATUS,
    Against,
    AppealStatus,
    AppealWindow,
    Appellant,
    Modification,
    Outcome,
    appeal_route,
    appeal_window,
    check_in_time,
    reviewer_roles,
    what_is_appealed,
)
from officeactions.policy.catalog import AppealRoute
from officeactions.policy.names import normalise_username
from officeactions.policy.workflow import TRANSITIONS
from officeactions.web import token_hash

MAX_TEXT = 20_000


@dataclass
class FiledAppeal:
    appeal: Appeal
    token: str

    @property
    def status_url(self) -> str:
        return appeal_status_url(self.token)


def appeal_status_url(token: str) -> str:
    return public_url(reverse("appeals:status", args=[token]))


def _text(value: Any, name: str, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name} is required.", {"field": name})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name} is too long (at most {MAX_TEXT} characters).")
    return text


def _lock_visible(case: Case, actor: User) -> Case:
    locked = cases_visible_to(actor).select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise NotFound(f"No case {case.reference} that you can see.")
    return locked


def _team_member(case: Case, actor: User, what: str) -> None:
    team = Team(case.team)
    if team.member_role not in user_roles(actor):
        raise NotPermitted(
            f"{what} on a {team.label} case needs the role of {team.member_role.label.lower()}."
        )


# --- Modifications of an action in effect ---------------------------------------------------


@transaction.atomic
def modification_record(
    *, case: Case, actor: User, kind: str, description: str
) -> ActionModification:
    """Record how an action in effect was changed: an extension, or a substantial atypical
    modification (which opens a new 6-month window to appeal)."""
    try:
        modification = Modification(kind)
    except ValueError:
        known = ", ".join(m.value for m in Modification)
        raise InvalidInput(f"Unknown kind of modification {kind!r}; known: {known}.") from None
    description = _text(description, "Description")
    case = _lock_visible(case, actor)
    _team_member(case, actor, "Recording a modification")
    if case.case_state not in ACTION_ISSUED:
        raise StepRefused(
            f"Only an action being enforced or in effect can be modified; this case is "
            f"{case.case_state.label.lower()}."
        )
    record = ActionModification.objects.create(
        case=case,
        kind=modification,
        description=description,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_append(
        actor=actor,
        action=f"appeal.modification_{modification.value}",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=description,
        data={"modification": record.pk, "kind": modification.value},
    )
    return record


def issued_at(case: Case, against: Against) -> datetime:
    """When the decision was first issued: the step that issued it, from the audit log."""
    entry = (
        AuditEntry.objects.filter(case=case, action__in=ISSUING_STEPS[against])
        .order_by("seq")
        .first()
    )
    return entry.created_at if entry else case.updated_at


def window_for(case: Case) -> AppealWindow:
    against = what_is_appealed(case.case_state)
    months = case.action_kind.appeal.window_months or 6
    mods = [(Modification(m.kind), m.recorded_at) for m in case.modifications.all()]
    if against is Against.NO_ACTION:
        mods = []  # a decision not to act has no action to modify
    return appeal_window(issued_at(case, against), mods, months, office_time_zone())


# --- Filing (public, no login) ---------------------------------------------------------------


def _identify(data: dict[str, Any]) -> tuple[Case, Appellant, str, str]:
    """Who is appealing, and which case: the requester by their request's status link, the
    person under investigation by the case reference and a wiki account of the case's subject.
    A mismatch says nothing about whether the case exists."""
    try:
        appellant = Appellant(str(data.get("appellant", "")))
    except ValueError:
        raise InvalidInput(
            "Say who you are: 'requester' (you requested the case) or 'subject' (the case "
            "was about you).",
            {"field": "appellant"},
        ) from None
    if appellant is Appellant.REQUESTER:
        token = _text(data.get("status_token"), "Status link token")
        try:
            req = request_by_token(token.rstrip("/").rsplit("/", 1)[-1])
        except NotFound:
            raise NotPermitted(
                "Only people directly involved may appeal: no request has this status link."
            ) from None
        if req.case_id is None:
            raise StepRefused("Your request has not become a case; there is no decision to appeal.")
        return Case.objects.select_for_update().get(pk=req.case_id), appellant, "", ""
    reference = _text(data.get("case_reference"), "Case reference").upper()
    wiki = _text(data.get("wiki"), "Wiki")
    try:
        username = normalise_username(_text(data.get("wiki_username"), "Wiki username"))
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message, {"field": "wiki_username"}) from None
    case = (
        Case.objects.select_for_update()
        .filter(
            reference=reference,
            subject__accounts__wiki=wiki,
            subject__accounts__username=username,
        )
        .first()
    )
    if case is None:
        raise NotPermitted(
            "Only people directly involved may appeal: no case with this reference is about "
            "this wiki account."
        )
    return case, appellant, wiki, username


@transaction.atomic
def appeal_file(*, data: dict[str, Any]) -> FiledAppeal:
    """File an appeal from the public form or API; refused with the reason when not allowed."""
    grounds = _text(data.get("grounds"), "Grounds (why the decision was inappropriate)")
    email = str(data.get("contact_email") or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(f"{email!r} is not a valid email address.") from None
    case, appellant, wiki, username = _identify(data)
    kind = catalog().get(case.kind)
    now = timezone.now()
    try:
        against = what_is_appealed(case.case_state)
        route = appeal_route(kind, against)
        window = window_for(case)
        check_in_time(window, now, office_time_zone())
    except PolicyRefusal as exc:
        raise refusal(exc) from None
    if reason := registry.first(Hook.APPEAL_REFUSAL, case=case):
        raise StepRefused(reason)
    # "Yours" means from the same contact address: the details that identify the person under
    # investigation are public for a global ban, so an appeal filed by someone else in their
    # name must not shut out their own (legal counsel sees both).
    if Appeal.objects.filter(
        case=case,
        appellant=appellant,
        contact_email__iexact=email,
        status__in=[AppealStatus.AWAITING_COUNSEL, AppealStatus.IN_REVIEW],
    ).exists():
        raise StepRefused("An appeal of yours on this decision is already open.")
    nonce = secrets.token_hex(16)
    appeal = Appeal(
        case=case,
        appellant=appellant,
        appellant_wiki=wiki,
        appellant_username=username,
        contact_email=email,
        against=against,
        grounds=grounds,
        route=route,
        window_closes_at=window.closes_at,
        filed_at=now,
        token_nonce=nonce,
    )
    token = status_token(appeal.reference, nonce)
    appeal.status_token_hash = token_hash(token)
    appeal.save(force_insert=True)
    audit_append(
        actor=None,
        action="appeal.file",
        object_type="appeal",
        object_id=appeal.reference,
        case=case,
        data={"appellant": appellant.value, "against": against.value, "route": route.value},
    )
    _tell(appeal, "appeal_received", token)
    return FiledAppeal(appeal, token)


def _tell(appeal: Appeal, template: str, token: str | None = None) -> None:
    """Email the appellant plain status words (never the case's content), once committed."""
    to = appeal.contact_email
    if not to and appeal.appellant == Appellant.REQUESTER:
        req = Request.objects.filter(case=appeal.case).select_related("requester").first()
        to = req.requester.email if req and req.requester else ""
    if not to:
        return
    token = token or status_token(appeal.reference, appeal.token_nonce)
    context = {
        "reference": appeal.reference,
        "status": PUBLIC_APPEAL_STATUS[appeal.appeal_status],
        "status_url": appeal_status_url(token),
    }
    transaction.on_commit(lambda: notify(template, [to], context))


def appeal_by_token(token: str) -> Appeal:
    """The appeal a private status link belongs to; a forged or unknown token finds nothing."""
    if not token or len(token) > 100:
        raise NotFound("No appeal has this status link.")
    appeal = Appeal.objects.filter(status_token_hash=token_hash(token)).first()
    if appeal is None:
        raise NotFound("No appeal has this status link.")
    return appeal


# --- Legal counsel's approval, then the review ------------------------------------------------


def _lock_appeal(appeal: Appeal, status: AppealStatus) -> Appeal:
    locked = Appeal.objects.select_for_update().select_related("case").get(pk=appeal.pk)
    if locked.appeal_status is not status:
        raise StepRefused(
            f"This appeal is {locked.appeal_status.label.lower()}; this step is only possible "
            f"when it is {status.label.lower()}."
        )
    return locked


def _move(appeal: Appeal, source: AppealStatus, target: AppealStatus, **fields: Any) -> None:
    # Compare-and-set: two people deciding at once never both succeed.
    moved = Appeal.objects.filter(pk=appeal.pk, status=source).update(status=target, **fields)
    if moved != 1:
        raise StepRefused("The appeal changed while you were working on it; reload and try again.")
    appeal.status = target
    for name, value in fields.items():
        setattr(appeal, name, value)


@transaction.atomic
def appeal_counsel_decide(*, appeal: Appeal, actor: User, approve: bool, note: str = "") -> Appeal:
    """Legal counsel approves an appeal for review, or refuses it with the reason."""
    if Role.LEGAL_COUNSEL not in user_roles(actor):
        raise NotPermitted("Only legal counsel approves an appeal before it is reviewed.")
    appeal = _lock_appeal(appeal, AppealStatus.AWAITING_COUNSEL)
    if not cases_visible_to(actor).filter(pk=appeal.case_id).exists():
        raise NotFound(f"No appeal {appeal.reference} that you can see.")
    note = _text(note, "A reason for refusing", required=not approve)
    target = AppealStatus.IN_REVIEW if approve else AppealStatus.REFUSED
    _move(
        appeal,
        AppealStatus.AWAITING_COUNSEL,
        target,
        counsel=actor,
        counsel_at=timezone.now(),
        counsel_note=note,
    )
    audit_append(
        actor=actor,
        action="appeal.counsel_approve" if approve else "appeal.counsel_refuse",
        object_type="appeal",
        object_id=appeal.reference,
        case=appeal.case,
        reason=note,
        data={"to": target.value, "route": appeal.route},
    )
    _tell(appeal, "appeal_update")
    return appeal


def may_decide(appeal: Appeal, user: User | AnonymousUser) -> bool:
    roles = reviewer_roles(AppealRoute(appeal.route), Team(appeal.case.team))
    return bool(user_roles(user) & roles)


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    actor: User,
    outcome: str,
    reasons: str,
    new_terms: str = "",
) -> Appeal:
    """The review's outcome, with reasons: upheld, modified (with the new terms) or overturned.
    An overturned action is lifted on the wikis."""
    try:
        result = Outcome(outcome)
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        raise InvalidInput(f"Unknown outcome {outcome!r}; known: {known}.") from None
    reasons = _text(reasons, "Reasons for the outcome")
    new_terms = _text(new_terms, "New terms", required=result is Outcome.MODIFIED)
    if result is not Outcome.MODIFIED:
        new_terms = ""
    appeal = _lock_appeal(appeal, AppealStatus.IN_REVIEW)
    if not may_decide(appeal, actor):
        who = " or ".join(
            sorted(
                r.label.lower()
                for r in reviewer_roles(AppealRoute(appeal.route), Team(appeal.case.team))
            )
        )
        raise NotPermitted(f"This appeal is decided by {who}.")
    if appeal.counsel_id == actor.pk:
        raise NotPermitted("The counsel who approved the appeal for review does not decide it.")
    if actor.pk in _decided_originally(appeal.case):
        raise NotPermitted(
            "Someone who proposed or reviewed the original decision cannot decide its appeal."
        )
    lift = result is Outcome.OVERTURNED and appeal.against == Against.ACTION
    # The overturn itself lifts the action, whoever decided it; only an action not yet in a
    # liftable state (still being planned) waits for the case's staff.
    lift_now = lift and appeal.case.case_state in TRANSITIONS["lift"].sources
    _move(
        appeal,
        AppealStatus.IN_REVIEW,
        AppealStatus(result.value),
        decided_by=actor,
        decided_at=timezone.now(),
        reasons=reasons,
        new_terms=new_terms,
        lift_pending=lift and not lift_now,
    )
    audit_append(
        actor=actor,
        action=f"appeal.{result.value}",
        object_type="appeal",
        object_id=appeal.reference,
        case=appeal.case,
        reason=reasons,
        data={"new_terms": new_terms} if new_terms else {},
    )
    if lift_now:
        _lift(appeal, decided_by=actor)
    _tell(appeal, "appeal_update")
    return appeal


def _decided_originally(case: Case) -> set[int]:
    """The people behind the decision appealed: its proposers, reviewers and triagers."""
    people: set[int | None] = set(case.proposals.values_list("proposer_id", flat=True))
    people |= set(case.proposals.values_list("reviews__reviewer_id", flat=True))
    people |= set(
        AuditEntry.objects.filter(
            case=case,
            action__in=[*ISSUING_STEPS[Against.NO_ACTION], *ISSUING_STEPS[Against.ACTION]],
        ).values_list("actor_id", flat=True)
    )
    return {pk for pk in people if pk is not None}


def _lift(appeal: Appeal, decided_by: User) -> None:
    case_lift_decided(
        case=appeal.case,
        reason=f"Overturned on appeal {appeal.reference}.",
        decided_by=decided_by.get_username(),
    )
    Appeal.objects.filter(pk=appeal.pk).update(lift_pending=False)
    appeal.lift_pending = False


@transaction.atomic
def appeal_lift(*, appeal: Appeal, actor: User) -> Appeal:
    """Carry out an overturn decided while the action could not yet be lifted (it was still
    being planned): the case's staff lift it on the wikis once it can be."""
    appeal = _lock_appeal(appeal, AppealStatus.OVERTURNED)
    if not appeal.lift_pending:
        raise StepRefused("Nothing to lift: this overturn has been carried out.")
    _lock_visible(appeal.case, actor)
    _team_member(appeal.case, actor, "Lifting an overturned action")
    if appeal.decided_by is None:  # an overturn records who decided it
        raise StepRefused("This overturn has no decision on record to carry out.")
    _lift(appeal, decided_by=appeal.decided_by)
    return appeal
