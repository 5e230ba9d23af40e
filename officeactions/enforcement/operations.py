"""The operation types the ledger knows: how each is carried out on a wiki, read back, undone,
and recognised in a wiki's log when someone else undoes it.

``perform`` carries one ledger row out: the type's ``do`` acts on the wiki (or finds there is
nothing to do, or that it cannot be done), then its ``verify`` reads the result back.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from officeactions.enforcement.models import Operation
from officeactions.enforcement.wiki import WikiClient, is_address

# Aliases, not variables, so that Op serves as a type too.
Op = Operation.Op
State = Operation.State
Outcome = tuple[str, str]  # (the ledger state, the message shown with it)


@dataclass(frozen=True)
class Acting:
    """What an operation is carried out with: the reason the wiki logs, the account acting."""

    reason: str
    wiki_user: str
    look_first: bool = False  # a resumed run: the wiki may have acted before the ledger heard


@dataclass(frozen=True)
class OperationType:
    op: Op
    # Acts on the wiki. An outcome when it is settled without reading back (nothing to do
    # there, refused, found already done); None when verify is to read the result.
    do: Callable[[WikiClient, Operation, Acting], Outcome | None]
    verify: Callable[[WikiClient, Operation], Outcome]
    inverse: Op | None = None  # the operation type that undoes this one
    undone_on_lift: bool = False  # lifting or expiring the action undoes it
    # Whether a wiki log event undoes an operation of this type (None: not watched).
    match: Callable[[dict[str, Any], Operation], bool] | None = None


def _same_target(a: str, b: str) -> bool:
    if is_address(a) and is_address(b):
        return ipaddress.ip_network(a, strict=False) == ipaddress.ip_network(b, strict=False)
    return a.replace("_", " ") == b.replace("_", " ")


def _title_target(title: str) -> str:
    return title.split(":", 1)[1] if title.startswith("User:") else title


def _has_block(client: WikiClient, target: str, by: str | None = None) -> bool:
    return any(
        _same_target(b["user"], target) and not b.get("partial") and (by is None or b["by"] == by)
        for b in client.blocks(target)
    )


def _protected_at(client: WikiClient, title: str, level: str) -> bool:
    info = client.protection(title)
    kinds = {(p["type"], p["level"]) for p in info.get("protection", [])}
    return {("edit", level), ("move", level)} <= kinds


def _global(op: Operation) -> str | None:
    """The wiki's global tool for this target, if it has one: addresses are blocked with
    GlobalBlocking, accounts locked with CentralAuth."""
    extensions = op.params.get("extensions", [])
    if "GlobalBlocking" in extensions and is_address(op.target):
        return "GlobalBlocking"
    if "CentralAuth" in extensions and not is_address(op.target):
        return "CentralAuth"
    return None


# -- blocks ------------------------------------------------------------------------------


def _block(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    target, reason = op.target, acting.reason
    match _global(op):
        case "GlobalBlocking":
            client.global_block(target, reason=reason, expiry=op.params.get("expiry", "infinite"))
            return None
        case "CentralAuth":
            client.global_lock(target, reason=reason)
            return None
    if not is_address(target) and client.user(target).get("missing"):
        return State.NOT_APPLICABLE, f"No account {target} on {op.wiki}."
    # A run resumed after a crash, or a retry, may find the wiki acted before the ledger
    # heard of it; only then is it worth a read before the block.
    if (acting.look_first or op.attempts) and any(
        _same_target(b["user"], target) and b["by"] == acting.wiki_user and b["reason"] == reason
        for b in client.blocks(target)
    ):
        # Blocked for this very case already: a run that was cut off after the wiki acted
        # but before the ledger heard of it. Blocking again would double the log entry.
        return State.VERIFIED, "Already blocked for this case (an interrupted run resumed)."
    client.block(target, reason=reason, expiry=op.params.get("expiry", "infinite"))
    return None


def _block_verify(client: WikiClient, op: Operation) -> Outcome:
    target = op.target
    match _global(op):
        case "GlobalBlocking":
            if any(_same_target(b["address"], target) for b in client.global_blocks(target)):
                return State.VERIFIED, "Globally blocked (GlobalBlocking), no expiry."
            return State.DONE, "The wiki accepted the global block but does not show it yet."
        case "CentralAuth":
            if client.global_locked(target):
                return State.VERIFIED, "Account locked globally (CentralAuth)."
            return State.DONE, "The wiki accepted the lock but does not show it yet."
    if _has_block(client, target):
        expiry = op.params.get("expiry", "infinite")
        until = "no expiry" if expiry == "infinite" else f"until {expiry}"
        return State.VERIFIED, f"Blocked: sitewide, {until}, account creation off."
    return State.DONE, "The wiki accepted the block but does not show it yet."


def _block_undone(event: dict[str, Any], op: Operation) -> bool:
    kind, action = event["type"], event["action"]
    if kind == "block" and action in ("unblock", "reblock", "block"):
        return _same_target(_title_target(event["title"]), op.target)
    return False


def _unblock(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    match _global(op):
        case "GlobalBlocking":
            client.global_unblock(op.target, reason=acting.reason)
        case "CentralAuth":
            client.global_unlock(op.target, reason=acting.reason)
        case _:
            client.unblock(op.target, reason=acting.reason)
    return None


def _unblock_verify(client: WikiClient, op: Operation) -> Outcome:
    target = op.target
    match _global(op):
        case "GlobalBlocking":
            if not any(_same_target(b["address"], target) for b in client.global_blocks(target)):
                return State.VERIFIED, "Global block removed (GlobalBlocking)."
            return State.DONE, "The wiki still shows the global block."
        case "CentralAuth":
            if not client.global_locked(target):
                return State.VERIFIED, "Account unlocked globally (CentralAuth)."
            return State.DONE, "The wiki still shows the account locked."
    if not _has_block(client, target):
        return State.VERIFIED, "Unblocked."
    return State.DONE, "The wiki still shows a block."


# -- pages -------------------------------------------------------------------------------


def _protect_level(op: Operation) -> str:
    return op.params.get("level", "sysop") if op.op == Op.PROTECT else "all"


def _protect(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    if client.protection(op.target).get("missing"):
        return State.FAILED, f"No page {op.target} on {op.wiki}."
    client.protect(
        op.target,
        reason=acting.reason,
        level=_protect_level(op),
        expiry=op.params.get("expiry", "infinite"),
    )
    return None


def _protect_verify(client: WikiClient, op: Operation) -> Outcome:
    level = _protect_level(op)
    if _protected_at(client, op.target, level):
        return State.VERIFIED, f"Protected: edit and move, {level}, no expiry."
    return State.DONE, "The wiki does not show the protection change yet."


def _unprotect_verify(client: WikiClient, op: Operation) -> Outcome:
    if not client.protection(op.target).get("protection"):
        return State.VERIFIED, "Protection removed."
    return State.DONE, "The wiki does not show the protection change yet."


def _protection_undone(event: dict[str, Any], op: Operation) -> bool:
    if event["type"] == "protect":
        return event["title"] == op.target and event["action"] in ("unprotect", "modify", "protect")
    return False


def _reduced(op: Operation) -> str:
    return f"{{{{pp-office}}}}\n{{{{reset}}}}\n{op.params.get('text', '')}".strip()


def _tag_page(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    text = client.page_text(op.target)
    if text is None:
        return State.FAILED, f"No page {op.target} on {op.wiki}."
    if "{{pp-office}}" not in text:
        client.edit(op.target, summary=acting.reason, prepend="{{pp-office}}\n")
    return None


def _tag_page_verify(client: WikiClient, op: Operation) -> Outcome:
    if "{{pp-office}}" in (client.page_text(op.target) or ""):
        return State.VERIFIED, "{{pp-office}} is on the page."
    return State.DONE, "The wiki does not show {{pp-office}} yet."


def _reset_page(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    text = client.page_text(op.target)
    if text is None:
        return State.FAILED, f"No page {op.target} on {op.wiki}."
    if text.strip() != _reduced(op):
        client.edit(op.target, summary=acting.reason, text=_reduced(op))
    return None


def _reset_page_verify(client: WikiClient, op: Operation) -> Outcome:
    if (client.page_text(op.target) or "").strip() == _reduced(op):
        return State.VERIFIED, "The page is reduced to the approved text, under {{reset}}."
    return State.DONE, "The wiki does not show {{reset}} yet."


# -- rights ------------------------------------------------------------------------------


def _remove_groups(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    groups = op.params["groups"]
    if client.user(op.target).get("missing"):
        return State.FAILED, f"No account {op.target} on {op.wiki}."
    unknown = sorted(set(groups) - client.group_names())
    if unknown:
        return State.FAILED, f"No group {', '.join(unknown)} on {op.wiki}; nothing removed."
    client.change_groups(op.target, reason=acting.reason, remove=groups)
    return None


def _remove_groups_verify(client: WikiClient, op: Operation) -> Outcome:
    groups = op.params["groups"]
    if not set(client.user(op.target).get("groups", [])) & set(groups):
        return State.VERIFIED, f"Removed: {', '.join(groups)}."
    return State.DONE, "The wiki does not show the group change yet."


def _restore_groups(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    groups = op.params["groups"]
    if client.user(op.target).get("missing"):
        return State.FAILED, f"No account {op.target} on {op.wiki}."
    client.change_groups(op.target, reason=acting.reason, add=groups)
    return None


def _restore_groups_verify(client: WikiClient, op: Operation) -> Outcome:
    groups = op.params["groups"]
    if set(groups) <= set(client.user(op.target).get("groups", [])):
        return State.VERIFIED, f"Restored: {', '.join(groups)}."
    return State.DONE, "The wiki does not show the group change yet."


def _groups_regained(event: dict[str, Any], op: Operation) -> bool:
    if event["type"] == "rights":
        regained = set(event.get("params", {}).get("newgroups", [])) & set(op.params["groups"])
        return _same_target(_title_target(event["title"]), op.target) and bool(regained)
    return False


# -- content -----------------------------------------------------------------------------


def _delete(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    if not client.exists(op.target):
        return State.FAILED, f"No page {op.target} on {op.wiki}."
    client.delete(op.target, reason=acting.reason)
    return None


def _delete_verify(client: WikiClient, op: Operation) -> Outcome:
    if not client.exists(op.target):
        return State.VERIFIED, "Deleted."
    return State.DONE, "The wiki still shows the page."


def _deletion_undone(event: dict[str, Any], op: Operation) -> bool:
    if (event["type"], event["action"]) in (("delete", "restore"), ("create", "create")):
        return event["title"] == op.target  # restored, or created again
    return False


def _undelete(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    if not client.exists(op.target):
        client.undelete(op.target, reason=acting.reason)
    return None


def _undelete_verify(client: WikiClient, op: Operation) -> Outcome:
    if client.exists(op.target):
        return State.VERIFIED, "Restored."
    return State.DONE, "The wiki does not show the page yet."


def _hide_revision(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    suppress = op.op == Op.SUPPRESS
    client.hide_revision(int(op.params["revid"]), reason=acting.reason, suppress=suppress)
    return None


def _hide_revision_verify(client: WikiClient, op: Operation) -> Outcome:
    suppress = op.op == Op.SUPPRESS
    revision = client.revision(int(op.params["revid"])) or {}
    hidden = revision.get("slots", {}).get("main", {}).get("texthidden")
    if hidden and (revision.get("suppressed") or not suppress):
        return State.VERIFIED, "Revision suppressed." if suppress else "Revision deleted."
    return State.DONE, "The wiki does not show the revision hidden yet."


def _revision_shown(event: dict[str, Any], op: Operation) -> bool:
    if event["type"] in ("delete", "suppress"):
        return event["action"] == "revision" and event["title"] == op.target.split("#")[0]
    return False


def _unhide_revision(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    client.hide_revision(int(op.params["revid"]), reason=acting.reason, show=True)
    return None


def _unhide_revision_verify(client: WikiClient, op: Operation) -> Outcome:
    revision = client.revision(int(op.params["revid"])) or {}
    if not revision.get("slots", {}).get("main", {}).get("texthidden"):
        return State.VERIFIED, "Revision restored."
    return State.DONE, "The wiki still shows the revision hidden."


def _notify(client: WikiClient, op: Operation, acting: Acting) -> Outcome | None:
    if op.params["marker"] not in (client.page_text(op.target) or ""):
        client.write(
            {
                "action": "edit",
                "title": op.target,
                "appendtext": op.params["text"],
                "summary": acting.reason,
            }
        )
    return None


def _notify_verify(client: WikiClient, op: Operation) -> Outcome:
    if op.params["marker"] in (client.page_text(op.target) or ""):
        return State.VERIFIED, "Notice left on the talk page."
    return State.DONE, "The wiki does not show the notice yet."


OPERATION_TYPES: dict[str, OperationType] = {
    t.op: t
    for t in (
        OperationType(
            Op.BLOCK, _block, _block_verify, Op.UNBLOCK, undone_on_lift=True, match=_block_undone
        ),
        OperationType(Op.UNBLOCK, _unblock, _unblock_verify),
        OperationType(
            Op.PROTECT,
            _protect,
            _protect_verify,
            Op.UNPROTECT,
            undone_on_lift=True,
            match=_protection_undone,
        ),
        OperationType(Op.UNPROTECT, _protect, _unprotect_verify),
        OperationType(Op.TAG_PAGE, _tag_page, _tag_page_verify),
        OperationType(Op.RESET_PAGE, _reset_page, _reset_page_verify),
        OperationType(
            Op.REMOVE_GROUPS,
            _remove_groups,
            _remove_groups_verify,
            Op.RESTORE_GROUPS,
            undone_on_lift=True,
            match=_groups_regained,
        ),
        OperationType(Op.RESTORE_GROUPS, _restore_groups, _restore_groups_verify),
        OperationType(
            Op.DELETE,
            _delete,
            _delete_verify,
            Op.UNDELETE,
            undone_on_lift=True,
            match=_deletion_undone,
        ),
        OperationType(Op.UNDELETE, _undelete, _undelete_verify),
        # A takedown's hidden revision is put back on a counter-notice, not on a lift.
        OperationType(
            Op.HIDE_REVISION,
            _hide_revision,
            _hide_revision_verify,
            Op.UNHIDE_REVISION,
            match=_revision_shown,
        ),
        OperationType(Op.UNHIDE_REVISION, _unhide_revision, _unhide_revision_verify),
        # Suppressed child-abuse material is never shown again.
        OperationType(Op.SUPPRESS, _hide_revision, _hide_revision_verify, match=_revision_shown),
        OperationType(Op.NOTIFY, _notify, _notify_verify),
    )
}

# What lifting an action plans: each operation that took effect, undone by its inverse.
LIFT_INVERSE: dict[str, Op] = {
    op: t.inverse for op, t in OPERATION_TYPES.items() if t.undone_on_lift and t.inverse
}
# Watched in the wikis' logs, and the operations whose verified presence means it was undone.
WATCHED = [op for op, t in OPERATION_TYPES.items() if t.match]
UNDOING = [OPERATION_TYPES[op].inverse for op in WATCHED if OPERATION_TYPES[op].inverse]


def undone_by(event: dict[str, Any], op: Operation) -> bool:
    """Whether this wiki log event undoes the operation (is a change to an office action)."""
    kind = OPERATION_TYPES.get(op.op)
    return bool(kind and kind.match and kind.match(event, op))


def perform(
    client: WikiClient, op: Operation, reason: str, wiki_user: str, look_first: bool = False
) -> Outcome:
    """Carry out one operation and read it back. Returns (state, message)."""
    kind = OPERATION_TYPES.get(op.op)
    if kind is None:
        return State.FAILED, f"Unknown operation {op.op}."
    outcome = kind.do(client, op, Acting(reason, wiki_user, look_first))
    return outcome if outcome is not None else kind.verify(client, op)
