"""Carrying approved office actions out on the wikis: the services staff and other apps call.

``case_enforce`` plans one ledger row per operation per wiki (``planner``) and queues the work;
the worker runs the ledger (``runner``), carrying out each operation as its type says
(``operations``); ``case_lift`` plans the inverse operations; the revert watch (``watch``)
catches changes to office actions by anyone else.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.configured import catalog
from officeactions.cases.extensions import Hook, registry
from officeactions.cases.models import Case
from officeactions.cases.moves import case_move, case_step_begin
from officeactions.enforcement.models import (
    Operation,
)
from officeactions.enforcement.planner import expiry_of, plan_operations, plan_undo, planned
from officeactions.enforcement.runner import enforcement_run, queue_run
from officeactions.enforcement.wikis import load_wikis
from officeactions.errors import InvalidInput, StepRefused
from officeactions.policy import PolicyRefusal
from officeactions.policy.catalog import ActionKind, Performer, Target
from officeactions.policy.names import normalise_username
from officeactions.policy.workflow import EXPIRE_TRANSITION, TRANSITIONS, Transition

Op, State = Operation.Op, Operation.State
RETRY, ADD_ACCOUNT = TRANSITIONS["retry_enforcement"], TRANSITIONS["add_account"]


def enforceable(kind: ActionKind) -> bool:
    """Whether this kind is carried out on the wikis by this product."""
    return kind.performer is not Performer.NONE and planned(kind.target)


def _performer(case: Case, actor: User) -> str:
    enforces = catalog().get(case.enforces.kind) if case.enforces is not None else None
    who = catalog().performer(case.action_kind, enforces)
    return "office" if who is Performer.OFFICE_ACCOUNT else actor.get_username()


@transaction.atomic
def case_enforce(*, case: Case, actor: User, split_wide_ranges: bool = False) -> list[Operation]:
    """Take the approved action to the wikis: plan the ledger and queue the work."""
    case = case_step_begin(case=case, actor=actor, transition=TRANSITIONS["enforce"])
    if not enforceable(case.action_kind):
        raise StepRefused(f"A {case.action_kind.name} has nothing to carry out on a wiki here.")
    wikis = load_wikis()
    if not wikis:
        raise StepRefused("No wikis are configured (OFFICEACTIONS_WIKI_REGISTRY).")
    try:
        ops = plan_operations(case, _performer(case, actor), wikis, split_wide_ranges)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    expiry = expiry_of(case)
    if expiry is not None:
        if expiry <= timezone.now():
            raise InvalidInput(f"The approved expiry {expiry:%Y-%m-%d %H:%M} UTC has passed.")
        for op in ops:
            if op.op in (Op.BLOCK, Op.PROTECT):
                op.params = {**op.params, "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")}
        from officeactions.enforcement.tasks import expire_task

        expire_task.using(run_after=expiry).enqueue(case.pk)
    Operation.objects.bulk_create(ops)
    case_move(
        case,
        TRANSITIONS["enforce"],
        actor,
        data={"operations": len(ops), "wikis": sorted({o.wiki for o in ops})},
    )
    queue_run(case)
    return ops


@transaction.atomic
def case_lift(*, case: Case, actor: User, reason: str) -> list[Operation]:
    """Lift the action: undo every operation that took effect, on every wiki."""
    transition = TRANSITIONS["lift"]
    case = case_step_begin(case=case, actor=actor, transition=transition)
    if not reason.strip():
        raise InvalidInput("Lift needs a reason; none was given.")
    inverse = plan_undo(case)
    case_move(case, transition, actor, reason.strip(), {"operations": len(inverse)})
    queue_run(case)
    return inverse


@transaction.atomic
def case_lift_decided(*, case: Case, reason: str, decided_by: str) -> list[Operation]:
    """Lift an action because a binding decision says so (an appeal overturned it): the
    decision is the authority, whoever made it (the Case Review Committee has no team role).
    Audited as the system acting on that decision. Nothing to do if it is no longer liftable."""
    transition = TRANSITIONS["lift"]
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.case_state not in transition.sources:
        return []
    inverse = plan_undo(case)
    case_move(
        case, transition, None, reason, {"operations": len(inverse), "decided_by": decided_by}
    )
    queue_run(case)
    return inverse


def case_expire(*, case_id: int, now: datetime | None = None) -> str:
    """At the end of a time-limited action: undo it everywhere (the worker runs this)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        expiry = expiry_of(case)
        if case.case_state not in EXPIRE_TRANSITION.sources:
            return f"nothing to expire: {case.state}"
        if expiry is None or expiry > now:
            return "not yet"
        inverse = plan_undo(case)
        reason = f"Expired {expiry:%Y-%m-%d %H:%M} UTC."
        case_move(case, EXPIRE_TRANSITION, None, reason, {"operations": len(inverse)})
    enforcement_run(case_id=case_id)
    return "expired"


@transaction.atomic
def enforcement_retry(*, case: Case, actor: User) -> int:
    """Queue the failed operations of a case again (after a wiki came back, say)."""
    case = case_step_begin(case=case, actor=actor, transition=RETRY)
    failed = case.operations.filter(state=State.FAILED)
    count = failed.update(state=State.PENDING, updated_at=timezone.now())
    if not count:
        raise StepRefused("No failed operation to retry.")
    audit_append(
        actor=actor,
        action="enforcement.retry",
        object_type="case",
        object_id=case.reference,
        case=case,
        data={"operations": count},
    )
    queue_run(case)
    return count


@transaction.atomic
def case_add_account(
    *, case: Case, actor: User, wiki: str, username: str, note: str = ""
) -> list[Operation]:
    """An account found later (a sockpuppet report) that staff confirm belongs to the person:
    added to the subject and blocked like the others, on every wiki."""
    case = case_step_begin(case=case, actor=actor, transition=ADD_ACCOUNT)
    kind = case.action_kind
    if kind.target is not Target.INDIVIDUAL or not enforceable(kind) or case.subject is None:
        raise StepRefused(f"Accounts are added to a ban against a person, not to a {kind.name}.")
    try:
        username = normalise_username(username)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    wikis = load_wikis()
    if wiki not in wikis:
        raise InvalidInput(f"Unknown wiki {wiki!r}; configured: {', '.join(wikis) or 'none'}.")
    _, created = case.subject.accounts.get_or_create(wiki=wiki, username=username)
    if not created:
        raise StepRefused(f"{username} on {wiki} is already one of this person's accounts.")
    performer = case.operations.values_list("performer", flat=True).first() or _performer(
        case, actor
    )
    ops = [
        Operation(case=case, wiki=w, op=Op.BLOCK, target=username, performer=performer)
        for w in wikis
    ]
    Operation.objects.bulk_create(ops, ignore_conflicts=True)
    audit_append(
        actor=actor,
        action="enforcement.account_added",
        object_type="case",
        object_id=case.reference,
        case=case,
        reason=note.strip(),
        data={"wiki": wiki, "username": username},
    )
    registry.call(Hook.BANS_CHANGED)
    queue_run(case)
    return ops


# -- reports against a ban: sockpuppets, proxies, interference ---------------------------


def enforce_refusal(case: Case, transition: Transition) -> str | None:
    """The engine's step condition: Enforce applies only to what is carried out on a wiki."""
    if transition.name == "enforce" and not enforceable(case.action_kind):
        return f"A {case.action_kind.name} has nothing to carry out on a wiki here."
    return None
