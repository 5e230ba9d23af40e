"""Carrying approved office actions out on the wikis, checking them there, keeping them there.

``case_enforce`` plans one ledger row per operation per wiki and queues the work;
``enforcement_run`` (the worker) performs and verifies each row, wikis in parallel;
``case_lift`` plans the inverse operations; ``revert_watch_run`` reads each wiki's log for
changes to office actions by anyone else, records an incident and re-applies the action.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from officeactions.audit.services import audit_append
from officeactions.cases.catalog import catalog
from officeactions.cases.models import Case
from officeactions.cases.services import case_move, case_step_begin
from officeactions.enforcement.models import (
    BanReport,
    BreachReport,
    Incident,
    Operation,
    SuspectedAccount,
    WikiLogCursor,
)
from officeactions.enforcement.registry import WikiConfig, load_registry
from officeactions.enforcement.wiki import WikiClient, WikiError, is_address
from officeactions.errors import InvalidInput, NotFound, StepRefused
from officeactions.policy import PolicyRefusal
from officeactions.policy.catalog import ActionKind, Performer, Target
from officeactions.policy.names import normalise_username
from officeactions.policy.sanctions import check_proxy_sanction_kind
from officeactions.policy.workflow import (
    EXPIRE_TRANSITION,
    IN_EFFECT_TRANSITION,
    TRANSITIONS,
    Actor,
    CaseState,
    Transition,
)

Op, State = Operation.Op, Operation.State
log = logging.getLogger(__name__)
ENFORCEMENT_LOCK_SPACE = 0x0FF1CE << 32  # advisory-lock keys of enforcement runs: this + case id
INVERSE = {
    Op.BLOCK: Op.UNBLOCK,
    Op.PROTECT: Op.UNPROTECT,
    Op.REMOVE_GROUPS: Op.RESTORE_GROUPS,
    Op.DELETE: Op.UNDELETE,
}
PLANNED_TARGETS = {
    Target.INDIVIDUAL,
    Target.IP_RANGE,
    Target.PAGE,
    Target.FUNCTIONARY_RIGHTS,
    Target.CONTENT,
}


def enforceable(kind: ActionKind) -> bool:
    """Whether this kind is carried out on the wikis by this product."""
    return kind.performer is not Performer.NONE and kind.target in PLANNED_TARGETS


def reason_for(case: Case) -> str:
    return (
        f"Office action: {case.action_kind.name} ({case.reference}). "
        "Do not modify; see the Office Actions Policy."
    )


# -- planning ----------------------------------------------------------------------------


def _split(network: ipaddress._BaseNetwork, limit: int) -> list[str]:
    return [str(n) for n in network.subnets(new_prefix=limit)]


def _address_ops(
    case: Case, wiki: WikiConfig, addresses: list[str], performer: str, split: bool
) -> list[Operation]:
    ops = []
    for address in addresses:
        network = ipaddress.ip_network(address, strict=True)
        limit = wiki.cidr_limit.get(network.version, 32 if network.version == 4 else 128)
        if network.num_addresses == 1:
            target = str(network.network_address)
            ops.append(Operation(case=case, wiki=wiki.dbname, op=Op.BLOCK, target=target))
        elif network.prefixlen >= limit:
            ops.append(Operation(case=case, wiki=wiki.dbname, op=Op.BLOCK, target=str(network)))
        elif split:
            ops += [
                Operation(case=case, wiki=wiki.dbname, op=Op.BLOCK, target=part)
                for part in _split(network, limit)
            ]
        else:
            ops.append(
                Operation(
                    case=case,
                    wiki=wiki.dbname,
                    op=Op.BLOCK,
                    target=str(network),
                    state=State.FAILED,
                    message=(
                        f"{network} is wider than {wiki.dbname} allows (/{limit}); refused. "
                        "Enforce again choosing to split it into "
                        f"{2 ** (limit - network.prefixlen)} /{limit} blocks, or narrow it."
                    ),
                )
            )
    for op in ops:
        op.performer = performer
    return ops


def expiry_of(case: Case) -> datetime | None:
    """The action's end, from the approved terms ("expiry": a date or date-time, UTC);
    none means indefinite."""
    raw = _terms(case).get("expiry", "").strip()
    if not raw or raw.lower() in ("indefinite", "infinite", "never"):
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"Expiry {raw!r} is not a date (YYYY-MM-DD) or date-time.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _terms(case: Case) -> dict[str, str]:
    proposal = case.proposals.filter(status="approved").first()
    return proposal.terms if proposal else {}


def plan_operations(
    case: Case, performer: str, wikis: dict[str, WikiConfig], split_wide_ranges: bool = False
) -> list[Operation]:
    """The ledger rows an approved action needs, as the catalog's target type says."""
    kind = case.action_kind
    ops: list[Operation] = []
    if kind.target in (Target.INDIVIDUAL, Target.IP_RANGE):
        subject = case.subject
        if subject is None:
            raise InvalidInput(f"A {kind.name} needs a subject with accounts or addresses.")
        usernames = sorted({normalise_username(a.username) for a in subject.accounts.all()})
        addresses = [a.address for a in subject.addresses.all()]
        if kind.target is Target.IP_RANGE:
            usernames = []  # a range block blocks addresses only
        if not usernames and not addresses:
            raise InvalidInput(f"The subject of this {kind.name} has no accounts or addresses.")
        # A global ban is against the person: every known account on every wiki. Where a wiki
        # has CentralAuth or GlobalBlocking, the global action is used there instead.
        for wiki in wikis.values():
            wiki_ops = [
                Operation(case=case, wiki=wiki.dbname, op=Op.BLOCK, target=u, performer=performer)
                for u in usernames
            ]
            wiki_ops += _address_ops(case, wiki, addresses, performer, split_wide_ranges)
            if wiki.extensions:
                for op in wiki_ops:
                    op.params = {**op.params, "extensions": sorted(wiki.extensions)}
            ops += wiki_ops
    elif kind.target is Target.PAGE:
        terms = _terms(case)
        wiki, page = terms.get("wiki", "").strip(), terms.get("page", "").strip()
        if wiki not in wikis or not page:
            raise InvalidInput(
                "Office page protection needs the terms 'wiki' (one of "
                f"{', '.join(wikis) or 'no configured wiki'}) and 'page'."
            )
        level = terms.get("level", "sysop").strip() or "sysop"
        ops.append(Operation(op=Op.PROTECT, target=page, params={"level": level}))
        if terms.get("reset_text", "").strip():
            ops.append(
                Operation(op=Op.RESET_PAGE, target=page, params={"text": terms["reset_text"]})
            )
        else:
            ops.append(Operation(op=Op.TAG_PAGE, target=page))
        for op in ops:
            op.case, op.wiki, op.performer = case, wiki, performer
    elif kind.target is Target.CONTENT:
        from officeactions.legal.services import dmca_operations

        ops = dmca_operations(case, performer, wikis)
    elif kind.target is Target.FUNCTIONARY_RIGHTS:
        terms = _terms(case)
        wiki, username = terms.get("wiki", "").strip(), terms.get("username", "").strip()
        groups = [g.strip() for g in terms.get("groups", "").split(",") if g.strip()]
        if wiki not in wikis or not username or not groups:
            raise InvalidInput(
                "Removal of advanced rights needs the terms 'wiki', 'username' and 'groups' "
                "(comma-separated)."
            )
        _check_groups_exist(wikis[wiki], groups)
        ops.append(
            Operation(
                case=case,
                wiki=wiki,
                op=Op.REMOVE_GROUPS,
                target=normalise_username(username),
                params={"groups": groups},
                performer=performer,
            )
        )
    return ops


def _check_groups_exist(wiki: WikiConfig, groups: list[str]) -> None:
    """Refuse, before anything is stored, a removal naming groups the wiki does not have. A wiki
    that does not answer now is checked again when the operation runs."""
    try:
        with WikiClient(wiki.api_url, wiki.office, retries=0) as client:
            known = client.group_names()
    except WikiError:
        return
    unknown = sorted(set(groups) - known)
    if unknown:
        raise InvalidInput(
            f"{wiki.dbname} has no group {', '.join(unknown)}; its groups: "
            f"{', '.join(sorted(known))}.",
            {"unknown_groups": unknown},
        )


def _performer(case: Case, actor: AbstractBaseUser) -> str:
    enforces = catalog().get(case.enforces.kind) if case.enforces_id else None
    who = catalog().performer(case.action_kind, enforces)
    return "office" if who is Performer.OFFICE_ACCOUNT else actor.get_username()


def _queue(case: Case, resumed: bool = False) -> None:
    from officeactions.enforcement.tasks import enforcement_task

    # Same database: queued if and only if this commits.
    enforcement_task.enqueue(case.pk, resumed)


@transaction.atomic
def case_enforce(
    *, case: Case, actor: AbstractBaseUser, split_wide_ranges: bool = False
) -> list[Operation]:
    """Take the approved action to the wikis: plan the ledger and queue the work."""
    case = case_step_begin(case=case, actor=actor, transition=TRANSITIONS["enforce"])
    if not enforceable(case.action_kind):
        raise StepRefused(f"A {case.action_kind.name} has nothing to carry out on a wiki here.")
    wikis = load_registry()
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
    _queue(case)
    return ops


def _plan_undo(case: Case) -> list[Operation]:
    """The inverse of every operation that took effect; what never did is not retried."""
    inverse = [
        Operation(
            case=case,
            wiki=op.wiki,
            op=INVERSE[Op(op.op)],
            target=op.target,
            params={k: v for k, v in op.params.items() if k != "expiry"},
            performer=op.performer,
        )
        for op in case.operations.filter(
            op__in=list(INVERSE), state__in=[State.DONE, State.VERIFIED]
        )
    ]
    case.operations.filter(op__in=list(INVERSE), state__in=[State.PENDING, State.FAILED]).update(
        state=State.NOT_APPLICABLE,
        message="Ended before it took effect.",
        updated_at=timezone.now(),
    )
    Operation.objects.bulk_create(inverse, ignore_conflicts=True)
    return inverse


@transaction.atomic
def case_lift(*, case: Case, actor: AbstractBaseUser, reason: str) -> list[Operation]:
    """Lift the action: undo every operation that took effect, on every wiki."""
    transition = TRANSITIONS["lift"]
    case = case_step_begin(case=case, actor=actor, transition=transition)
    if not reason.strip():
        raise InvalidInput("Lift needs a reason; none was given.")
    inverse = _plan_undo(case)
    case_move(case, transition, actor, reason.strip(), {"operations": len(inverse)})
    _queue(case)
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
    inverse = _plan_undo(case)
    case_move(
        case, transition, None, reason, {"operations": len(inverse), "decided_by": decided_by}
    )
    _queue(case)
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
        inverse = _plan_undo(case)
        reason = f"Expired {expiry:%Y-%m-%d %H:%M} UTC."
        case_move(case, EXPIRE_TRANSITION, None, reason, {"operations": len(inverse)})
    enforcement_run(case_id=case_id)
    return "expired"


# Retrying moves no state; it is checked like a step (who, from which states).
RETRY = Transition(
    "retry_enforcement",
    "Retry failed operations",
    frozenset({CaseState.BEING_ENFORCED, CaseState.IN_EFFECT, CaseState.LIFTED}),
    CaseState.BEING_ENFORCED,
    Actor.TEAM,
)


@transaction.atomic
def enforcement_retry(*, case: Case, actor: AbstractBaseUser) -> int:
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
    _queue(case)
    return count


ADD_ACCOUNT = Transition(
    "add_account",
    "Add a confirmed account",
    frozenset({CaseState.BEING_ENFORCED, CaseState.IN_EFFECT}),
    CaseState.IN_EFFECT,
    Actor.TEAM,
)


@transaction.atomic
def case_add_account(
    *, case: Case, actor: AbstractBaseUser, wiki: str, username: str, note: str = ""
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
    wikis = load_registry()
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
    _queue(case)
    return ops


# -- doing and verifying -----------------------------------------------------------------


def _same_target(a: str, b: str) -> bool:
    if is_address(a) and is_address(b):
        return ipaddress.ip_network(a, strict=False) == ipaddress.ip_network(b, strict=False)
    return a.replace("_", " ") == b.replace("_", " ")


def _has_block(client: WikiClient, target: str, by: str | None = None) -> bool:
    return any(
        _same_target(b["user"], target) and not b.get("partial") and (by is None or b["by"] == by)
        for b in client.blocks(target)
    )


def _protected_at(client: WikiClient, title: str, level: str) -> bool:
    info = client.protection(title)
    kinds = {(p["type"], p["level"]) for p in info.get("protection", [])}
    return {("edit", level), ("move", level)} <= kinds


def perform(
    client: WikiClient, op: Operation, reason: str, wiki_user: str, look_first: bool = False
) -> tuple[str, str]:
    """Carry out one operation and read it back. Returns (state, message)."""
    target = op.target
    extensions = op.params.get("extensions", [])
    if op.op == Op.UNBLOCK and "GlobalBlocking" in extensions and is_address(target):
        client.global_unblock(target, reason=reason)
        if not any(_same_target(b["address"], target) for b in client.global_blocks(target)):
            return State.VERIFIED, "Global block removed (GlobalBlocking)."
        return State.DONE, "The wiki still shows the global block."
    if op.op == Op.UNBLOCK and "CentralAuth" in extensions and not is_address(target):
        client.global_unlock(target, reason=reason)
        if not client.global_locked(target):
            return State.VERIFIED, "Account unlocked globally (CentralAuth)."
        return State.DONE, "The wiki still shows the account locked."
    if op.op == Op.BLOCK and "GlobalBlocking" in extensions and is_address(target):
        client.global_block(target, reason=reason, expiry=op.params.get("expiry", "infinite"))
        if any(_same_target(b["address"], target) for b in client.global_blocks(target)):
            return State.VERIFIED, "Globally blocked (GlobalBlocking), no expiry."
        return State.DONE, "The wiki accepted the global block but does not show it yet."
    if op.op == Op.BLOCK and "CentralAuth" in extensions and not is_address(target):
        client.global_lock(target, reason=reason)
        if client.global_locked(target):
            return State.VERIFIED, "Account locked globally (CentralAuth)."
        return State.DONE, "The wiki accepted the lock but does not show it yet."
    if op.op == Op.BLOCK:
        if not is_address(target) and client.user(target).get("missing"):
            return State.NOT_APPLICABLE, f"No account {target} on {op.wiki}."
        expiry = op.params.get("expiry", "infinite")
        # A run resumed after a crash, or a retry, may find the wiki acted before the ledger
        # heard of it; only then is it worth a read before the block.
        if (look_first or op.attempts) and any(
            _same_target(b["user"], target) and b["by"] == wiki_user and b["reason"] == reason
            for b in client.blocks(target)
        ):
            # Blocked for this very case already: a run that was cut off after the wiki acted
            # but before the ledger heard of it. Blocking again would double the log entry.
            return State.VERIFIED, "Already blocked for this case (an interrupted run resumed)."
        client.block(target, reason=reason, expiry=expiry)
        if _has_block(client, target):
            until = "no expiry" if expiry == "infinite" else f"until {expiry}"
            return State.VERIFIED, f"Blocked: sitewide, {until}, account creation off."
        return State.DONE, "The wiki accepted the block but does not show it yet."
    if op.op == Op.UNBLOCK:
        client.unblock(target, reason=reason)
        if not _has_block(client, target):
            return State.VERIFIED, "Unblocked."
        return State.DONE, "The wiki still shows a block."
    if op.op in (Op.PROTECT, Op.UNPROTECT):
        if client.protection(target).get("missing"):
            return State.FAILED, f"No page {target} on {op.wiki}."
        level = op.params.get("level", "sysop") if op.op == Op.PROTECT else "all"
        client.protect(
            target, reason=reason, level=level, expiry=op.params.get("expiry", "infinite")
        )
        if op.op == Op.PROTECT and _protected_at(client, target, level):
            return State.VERIFIED, f"Protected: edit and move, {level}, no expiry."
        if op.op == Op.UNPROTECT and not client.protection(target).get("protection"):
            return State.VERIFIED, "Protection removed."
        return State.DONE, "The wiki does not show the protection change yet."
    if op.op in (Op.TAG_PAGE, Op.RESET_PAGE):
        text = client.page_text(target)
        if text is None:
            return State.FAILED, f"No page {target} on {op.wiki}."
        if op.op == Op.TAG_PAGE and "{{pp-office}}" not in text:
            client.edit(target, summary=reason, prepend="{{pp-office}}\n")
        reduced = f"{{{{pp-office}}}}\n{{{{reset}}}}\n{op.params.get('text', '')}".strip()
        if op.op == Op.RESET_PAGE and text.strip() != reduced:
            client.edit(target, summary=reason, text=reduced)
        text = client.page_text(target) or ""
        wanted = "{{reset}}" if op.op == Op.RESET_PAGE else "{{pp-office}}"
        if op.op == Op.RESET_PAGE and text.strip() == reduced:
            return State.VERIFIED, "The page is reduced to the approved text, under {{reset}}."
        if op.op == Op.TAG_PAGE and wanted in text:
            return State.VERIFIED, f"{wanted} is on the page."
        return State.DONE, f"The wiki does not show {wanted} yet."
    if op.op in (Op.REMOVE_GROUPS, Op.RESTORE_GROUPS):
        groups = op.params["groups"]
        user = client.user(target)
        if user.get("missing"):
            return State.FAILED, f"No account {target} on {op.wiki}."
        if op.op == Op.REMOVE_GROUPS:
            unknown = sorted(set(groups) - client.group_names())
            if unknown:
                return State.FAILED, f"No group {', '.join(unknown)} on {op.wiki}; nothing removed."
            client.change_groups(target, reason=reason, remove=groups)
            held = set(client.user(target).get("groups", []))
            if not held & set(groups):
                return State.VERIFIED, f"Removed: {', '.join(groups)}."
        else:
            client.change_groups(target, reason=reason, add=groups)
            held = set(client.user(target).get("groups", []))
            if set(groups) <= held:
                return State.VERIFIED, f"Restored: {', '.join(groups)}."
        return State.DONE, "The wiki does not show the group change yet."
    if op.op == Op.DELETE:
        if not client.exists(target):
            return State.FAILED, f"No page {target} on {op.wiki}."
        client.delete(target, reason=reason)
        if not client.exists(target):
            return State.VERIFIED, "Deleted."
        return State.DONE, "The wiki still shows the page."
    if op.op == Op.UNDELETE:
        if not client.exists(target):
            client.undelete(target, reason=reason)
        if client.exists(target):
            return State.VERIFIED, "Restored."
        return State.DONE, "The wiki does not show the page yet."
    if op.op == Op.UNHIDE_REVISION:
        revid = int(op.params["revid"])
        client.hide_revision(revid, reason=reason, show=True)
        revision = client.revision(revid) or {}
        if not revision.get("slots", {}).get("main", {}).get("texthidden"):
            return State.VERIFIED, "Revision restored."
        return State.DONE, "The wiki still shows the revision hidden."
    if op.op in (Op.HIDE_REVISION, Op.SUPPRESS):
        revid = int(op.params["revid"])
        suppress = op.op == Op.SUPPRESS
        client.hide_revision(revid, reason=reason, suppress=suppress)
        revision = client.revision(revid) or {}
        hidden = revision.get("slots", {}).get("main", {}).get("texthidden")
        if hidden and (revision.get("suppressed") or not suppress):
            return State.VERIFIED, "Revision suppressed." if suppress else "Revision deleted."
        return State.DONE, "The wiki does not show the revision hidden yet."
    if op.op == Op.NOTIFY:
        text = client.page_text(target) or ""
        marker = op.params["marker"]
        if marker not in text:
            client.write(
                {
                    "action": "edit",
                    "title": target,
                    "appendtext": op.params["text"],
                    "summary": reason,
                }
            )
        if marker in (client.page_text(target) or ""):
            return State.VERIFIED, "Notice left on the talk page."
        return State.DONE, "The wiki does not show the notice yet."
    return State.FAILED, f"Unknown operation {op.op}."


def _run_group(
    wiki: WikiConfig,
    performer: str,
    ops: list[Operation],
    reason: str,
    out: queue.Queue,
    resumed: bool,
) -> None:
    account = wiki.account_for(performer)
    if account is None:
        for op in ops:
            out.put((op.pk, State.FAILED, f"No account on {wiki.dbname} for {performer}."))
        return
    client = WikiClient(wiki.api_url, account)
    try:
        for op in ops:
            try:
                state, message = perform(
                    client, op, reason, account.username.split("@")[0], look_first=resumed
                )
            except WikiError as exc:
                state, message = State.FAILED, exc.message
            except Exception as exc:
                log.exception("operation %s on %s failed unexpectedly", op.pk, wiki.dbname)
                state, message = State.FAILED, f"Unexpected answer from the wiki: {exc!r}"
            out.put((op.pk, state, message))
    finally:
        client.close()


@contextmanager
def _one_run_per_case(case_id: int) -> Iterator[bool]:
    """On PostgreSQL a session lock lets one run per case go at a time (a run resumed while a
    slow one still works waits its turn, and a killed worker's lock dies with its connection).
    SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = ENFORCEMENT_LOCK_SPACE + case_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (taken,) = cursor.fetchone()
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def enforcement_run(*, case_id: int, resumed: bool = False) -> str:
    """Perform the case's pending operations: each wiki (and performer) in its own thread; the
    ledger is written as each result arrives, so a crash loses nothing done before it.
    ``resumed``: a run that an earlier one may have got part of the way through."""
    with _one_run_per_case(case_id) as mine:
        if not mine:
            # Whatever this run was queued for (a lift, say) waits its turn, not the resume.
            from officeactions.enforcement.tasks import enforcement_task

            later = timezone.now() + timedelta(seconds=5)
            enforcement_task.using(run_after=later).enqueue(case_id, resumed)
            return "another run of this case is in progress; queued again"
        return _enforcement_run(case_id, resumed)


def enforcement_resume(*, stale_after: timedelta | None = None) -> list[str]:
    """Queue again the cases whose operations have waited too long: the worker that had them
    was stopped or killed. Safe to run at any time: a run skips what the ledger shows done, and
    a block already in place for the case is recognised on the wiki, not made twice."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.OFFICEACTIONS_ENFORCEMENT_STALE_SECONDS)
    stalled = Operation.objects.filter(
        state=State.PENDING, updated_at__lte=timezone.now() - stale_after
    )
    cases = list(Case.objects.filter(Exists(stalled.filter(case=OuterRef("pk")))))
    for case in cases:
        log.warning("resuming the interrupted enforcement of %s", case.reference)
        _queue(case, resumed=True)
    return [case.reference for case in cases]


def _enforcement_run(case_id: int, resumed: bool) -> str:
    case = Case.objects.get(pk=case_id)
    wikis = load_registry()
    pending = list(case.operations.filter(state__in=[State.PENDING, State.DONE]))
    groups: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in pending:
        if op.wiki not in wikis:
            _record(op, State.FAILED, f"Wiki {op.wiki} is not configured.")
            continue
        groups[(op.wiki, op.performer)].append(op)
    results: queue.Queue = queue.Queue()
    reason = reason_for(case)
    threads = [
        threading.Thread(
            target=_run_group, args=(wikis[w], p, ops, reason, results, resumed), daemon=True
        )
        for (w, p), ops in groups.items()
    ]
    for t in threads:
        t.start()
    by_pk = {op.pk: op for op in pending}
    for _ in range(sum(len(ops) for ops in groups.values())):
        pk, state, message = results.get()
        _record(by_pk[pk], state, message)
    for t in threads:
        t.join()
    return _settle(case)


@transaction.atomic
def _record(op: Operation, state: str, message: str) -> None:
    now = timezone.now()
    op.state, op.message, op.updated_at = state, message, now
    op.attempts += 1
    if state in (State.DONE, State.VERIFIED) and op.done_at is None:
        op.done_at = now
    if state == State.VERIFIED:
        op.verified_at = now
    op.save()
    if op.op == Op.DELETE and state == State.VERIFIED:
        from officeactions.legal.services import after_takedown

        after_takedown(op)
    audit_append(
        actor=None,
        action=f"enforcement.{op.op}.{state}",
        object_type="operation",
        object_id=str(op.pk),
        case=op.case,
        data={"wiki": op.wiki, "target": op.target, "performer": op.performer, "message": message},
    )


@transaction.atomic
def _settle(case: Case) -> str:
    case = Case.objects.select_for_update().get(pk=case.pk)
    ops = list(case.operations.all())
    forward = [o for o in ops if o.op not in INVERSE.values()]
    failed = [o for o in ops if o.state == State.FAILED]
    settled = bool(forward) and all(o.settled for o in forward)
    verified = any(o.state == State.VERIFIED for o in forward)
    if case.case_state is CaseState.BEING_ENFORCED and settled and verified:
        case_move(case, IN_EFFECT_TRANSITION, None, "Every operation verified on the wikis.")
        return "in effect"
    if settled and not verified:
        return "nothing took effect: no operation applied on any wiki"
    if failed:
        return f"{len(failed)} failed"
    return case.state


# -- the revert watch ----------------------------------------------------------------------


def _event_time(event: dict) -> datetime:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))


def _title_target(title: str) -> str:
    return title.split(":", 1)[1] if title.startswith("User:") else title


def _matches(event: dict, op: Operation) -> bool:
    kind, action = event["type"], event["action"]
    if op.op == Op.BLOCK and kind == "block" and action in ("unblock", "reblock", "block"):
        return _same_target(_title_target(event["title"]), op.target)
    if op.op in (Op.PROTECT,) and kind == "protect":
        return event["title"] == op.target and action in ("unprotect", "modify", "protect")
    if op.op == Op.DELETE and (kind, action) in (("delete", "restore"), ("create", "create")):
        return event["title"] == op.target  # restored, or created again
    if op.op in (Op.SUPPRESS, Op.HIDE_REVISION) and kind in ("delete", "suppress"):
        return action == "revision" and event["title"] == op.target.split("#")[0]
    if op.op == Op.REMOVE_GROUPS and kind == "rights":
        regained = set(event.get("params", {}).get("newgroups", [])) & set(op.params["groups"])
        return _same_target(_title_target(event["title"]), op.target) and bool(regained)
    return False


def revert_watch_run(reapply: bool | None = None) -> list[Incident]:
    """Read each wiki's log since last time; catch changes to office actions by others."""
    reapply = settings.OFFICEACTIONS_REVERT_REAPPLY if reapply is None else reapply
    incidents = []
    for wiki in load_registry().values():
        incidents += _watch_wiki(wiki, reapply)
    return incidents


def _watch_wiki(wiki: WikiConfig, reapply: bool) -> list[Incident]:
    cursor, _ = WikiLogCursor.objects.get_or_create(wiki=wiki.dbname)
    # Everything the office did that still stands: not lifted or expired, not undone since
    # (child-protection suppressions stand whatever the state of their case).
    undone = Operation.objects.filter(
        case=OuterRef("case"),
        wiki=OuterRef("wiki"),
        target=OuterRef("target"),
        op__in=[Op.UNBLOCK, Op.UNPROTECT, Op.RESTORE_GROUPS, Op.UNDELETE, Op.UNHIDE_REVISION],
        state=State.VERIFIED,
    )
    active = list(
        Operation.objects.filter(
            wiki=wiki.dbname,
            op__in=[
                Op.BLOCK,
                Op.PROTECT,
                Op.REMOVE_GROUPS,
                Op.DELETE,
                Op.SUPPRESS,
                Op.HIDE_REVISION,
            ],
            state=State.VERIFIED,
        )
        .exclude(case__state__in=[CaseState.LIFTED, CaseState.EXPIRED])
        .exclude(Exists(undone))
        .select_related("case")
    )
    authorised = {wiki.office_username} | {a.username.split("@")[0] for a in wiki.staff.values()}
    found: list[Incident] = []
    with WikiClient(wiki.api_url, wiki.office) as client:
        events = client.log_events(start_id=cursor.last_logid, since=cursor.last_timestamp or None)
        for event in events:
            if event.get("user") in authorised:
                continue
            for op in active:
                if op.done_at and _event_time(event) < op.done_at.replace(microsecond=0):
                    continue
                if _matches(event, op):
                    incident = _incident(wiki, op, event)
                    if incident is not None and op.op == Op.DELETE:
                        from officeactions.legal.services import takedown_reverted

                        takedown_reverted(op, incident)
                    if incident is not None:
                        if reapply:
                            _reapply(client, wiki, op, incident)
                        found.append(incident)
        if events:
            newest = max(events, key=lambda e: e["logid"])
            cursor.last_logid, cursor.last_timestamp = newest["logid"], newest["timestamp"]
        cursor.checked_at = timezone.now()
        cursor.save()
    return found


@transaction.atomic
def _incident(wiki: WikiConfig, op: Operation, event: dict) -> Incident | None:
    incident, created = Incident.objects.get_or_create(
        wiki=wiki.dbname,
        logid=event["logid"],
        operation=op,
        defaults={
            "case": op.case,
            "change": f"{event['type']}/{event['action']}",
            "wiki_user": event.get("user", ""),
            "comment": event.get("comment", ""),
            "happened_at": _event_time(event),
        },
    )
    if not created:
        return None
    audit_append(
        actor=None,
        action="enforcement.incident",
        object_type="incident",
        object_id=str(incident.pk),
        case=op.case,
        data={
            "wiki": wiki.dbname,
            "change": incident.change,
            "by": incident.wiki_user,
            "target": op.target,
        },
    )
    return incident


def _reapply(client: WikiClient, wiki: WikiConfig, op: Operation, incident: Incident) -> None:
    try:
        state, message = perform(client, op, reason_for(op.case), wiki.office_username)
    except WikiError as exc:
        state, message = State.FAILED, exc.message
    with transaction.atomic():
        incident.reapplied = state == State.VERIFIED
        incident.message = message
        incident.save(update_fields=["reapplied", "message"])
        audit_append(
            actor=None,
            action="enforcement.reapplied" if incident.reapplied else "enforcement.reapply_failed",
            object_type="incident",
            object_id=str(incident.pk),
            case=op.case,
            data={"wiki": wiki.dbname, "target": op.target, "message": message},
        )


# -- reports against a ban: sockpuppets, proxies, interference ---------------------------


def _ban_case(case: Case, actor: AbstractBaseUser) -> Case:
    """Lock a ban against a person that stands (being enforced or in effect), for its team."""
    case = case_step_begin(case=case, actor=actor, transition=ADD_ACCOUNT)
    kind = case.action_kind
    if kind.target is not Target.INDIVIDUAL or not enforceable(kind) or case.subject is None:
        raise StepRefused(f"Reports of this sort are attached to a ban, not to a {kind.name}.")
    return case


def _clean_url(url: str) -> str:
    from officeactions.cases.services import _clean_url as clean

    return clean(url) if url.strip() else ""


@transaction.atomic
def breach_report_file(
    *,
    case: Case,
    actor: AbstractBaseUser,
    reported_by: str,
    summary: str,
    accounts: list[tuple[str, str]],
    evidence_url: str = "",
) -> BreachReport:
    """Record a sockpuppet report from the community against a ban, with the accounts it
    suspects; staff then confirm or reject them one by one."""
    case = _ban_case(case, actor)
    if not reported_by.strip():
        raise InvalidInput("Say who reported it (a username, a name or an address).")
    if not summary.strip():
        raise InvalidInput("A breach report needs a summary: why these accounts are suspected.")
    if not accounts:
        raise InvalidInput("A breach report lists at least one suspected account (wiki, username).")
    wikis = load_registry()
    known = {(a.wiki, a.username) for a in case.subject.accounts.all()}
    suspects: dict[tuple[str, str], None] = {}
    for wiki, username in accounts:
        wiki = wiki.strip()
        if wiki not in wikis:
            raise InvalidInput(f"Unknown wiki {wiki!r}; configured: {', '.join(wikis) or 'none'}.")
        try:
            username = normalise_username(username)
        except PolicyRefusal as exc:
            raise InvalidInput(exc.message) from None
        if (wiki, username) in known:
            raise InvalidInput(f"{username} on {wiki} is already one of this person's accounts.")
        suspects[(wiki, username)] = None
    report = BreachReport.objects.create(
        case=case,
        reported_by=reported_by.strip()[:255],
        summary=summary.strip(),
        evidence_url=_clean_url(evidence_url),
        recorded_by=actor,
    )
    SuspectedAccount.objects.bulk_create(
        SuspectedAccount(report=report, wiki=w, username=u) for w, u in suspects
    )
    audit_append(
        actor=actor,
        action="enforcement.breach_report",
        object_type="breach_report",
        object_id=str(report.pk),
        case=case,
        data={"suspected": len(suspects)},
    )
    return report


@transaction.atomic
def suspected_account_decide(
    *, case: Case, actor: AbstractBaseUser, suspect_id: int, decision: str, note: str = ""
) -> SuspectedAccount:
    """Confirm a suspected account (added to the ban and blocked on every wiki) or reject it."""
    if decision not in ("confirm", "reject"):
        raise InvalidInput(f"A decision is 'confirm' or 'reject', not {decision!r}.")
    case = _ban_case(case, actor)
    suspect = (
        SuspectedAccount.objects.select_for_update()
        .filter(pk=suspect_id, report__case=case)
        .first()
    )
    if suspect is None:
        raise NotFound(f"No suspected account #{suspect_id} in this case's breach reports.")
    if suspect.status != SuspectedAccount.Status.PENDING:
        raise StepRefused(
            f"{suspect.username} on {suspect.wiki} was already decided: "
            f"{suspect.get_status_display()}."
        )
    if decision == "reject" and not note.strip():
        raise InvalidInput("Rejecting a suspected account needs a reason.")
    if decision == "confirm":
        case_add_account(
            case=case, actor=actor, wiki=suspect.wiki, username=suspect.username, note=note
        )
    Status = SuspectedAccount.Status
    suspect.status = Status.CONFIRMED if decision == "confirm" else Status.REJECTED
    suspect.note, suspect.decided_by, suspect.decided_at = note.strip(), actor, timezone.now()
    suspect.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit_append(
        actor=actor,
        action=f"enforcement.suspect_{decision}",
        object_type="breach_report",
        object_id=str(suspect.report_id),
        case=case,
        reason=note.strip(),
        data={"wiki": suspect.wiki, "username": suspect.username},
    )
    return suspect


@transaction.atomic
def ban_report_file(
    *,
    case: Case,
    actor: AbstractBaseUser,
    kind: str,
    wiki: str,
    username: str,
    summary: str,
    sanction: str,
    evidence_url: str = "",
) -> BanReport:
    """Someone acts as a proxy for the banned person, or interferes with enforcement: attach
    the report to the ban and open the proposed sanction case against them, the report as its
    evidence."""
    from officeactions.cases import services as cases

    case = _ban_case(case, actor)
    try:
        report_kind = BanReport.Kind(kind)
    except ValueError:
        known = ", ".join(BanReport.Kind.values)
        raise InvalidInput(f"Unknown report kind {kind!r}; known: {known}.") from None
    try:
        check_proxy_sanction_kind(sanction)
        username = normalise_username(username)
    except PolicyRefusal as exc:
        raise InvalidInput(exc.message) from None
    wikis = load_registry()
    if wiki.strip() not in wikis:
        raise InvalidInput(f"Unknown wiki {wiki!r}; configured: {', '.join(wikis) or 'none'}.")
    if not summary.strip():
        raise InvalidInput("A report needs a summary of what the person did.")
    url = _clean_url(evidence_url)
    subject = cases.subject_create(
        actor=actor, display_name=username, accounts=[(wiki.strip(), username)]
    )
    sanction_case = cases.case_open(
        actor=actor,
        kind=sanction,
        title=f"{username}: {report_kind.label} ({case.reference})",
        summary=summary.strip(),
        subject=subject,
    )
    for step in ("accept", "start_investigation"):
        sanction_case = cases.case_transition(
            case=sanction_case, actor=actor, name=step, reason=f"Report on {case.reference}"
        )
    cases.evidence_add(
        case=sanction_case,
        actor=actor,
        url=url,
        note=f"Report attached to {case.reference}: {report_kind.label}. {summary.strip()}",
    )
    report = BanReport.objects.create(
        case=case,
        kind=report_kind,
        wiki=wiki.strip(),
        username=username,
        summary=summary.strip(),
        evidence_url=url,
        sanction_case=sanction_case,
        recorded_by=actor,
    )
    audit_append(
        actor=actor,
        action=f"enforcement.{report_kind.value}_report",
        object_type="ban_report",
        object_id=str(report.pk),
        case=case,
        data={"sanction_case": sanction_case.reference, "wiki": report.wiki, "username": username},
    )
    return report


def enforce_refusal(case: Case, transition: Transition) -> str | None:
    """The engine's step condition: Enforce applies only to what is carried out on a wiki."""
    if transition.name == "enforce" and not enforceable(case.action_kind):
        return f"A {case.action_kind.name} has nothing to carry out on a wiki here."
    return None
