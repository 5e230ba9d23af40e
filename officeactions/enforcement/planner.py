"""Planning the ledger: the operations an approved action needs on each wiki, and the
operations that undo it.

What an action needs is decided by the catalog's target type. Enforcement plans what it
carries out on people, address ranges, pages and rights; a kind app registers the planner of a
target of its own (legal registers the takedown of content) in its AppConfig.ready().
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime

from django.utils import timezone

from officeactions.cases.models import Case
from officeactions.enforcement.models import Operation
from officeactions.enforcement.operations import LIFT_INVERSE
from officeactions.enforcement.wiki import WikiClient, WikiError
from officeactions.enforcement.wikis import WikiConfig
from officeactions.errors import InvalidInput
from officeactions.policy.catalog import Target
from officeactions.policy.names import normalise_username

Op, State = Operation.Op, Operation.State

# (case, performer, wikis) -> the unsaved ledger rows of an approved action.
Planner = Callable[[Case, str, dict[str, WikiConfig]], list[Operation]]

# Blocks of accounts and addresses: the one plan with a choice in it (split wide ranges).
BLOCK_TARGETS = frozenset({Target.INDIVIDUAL, Target.IP_RANGE})
_planners: dict[Target, Planner] = {}


def register(target: Target, plan: Planner) -> None:
    """Plan the actions of this target type with ``plan`` (one planner per target)."""
    if target in BLOCK_TARGETS or target in _planners:
        raise ValueError(f"The target {target.value!r} already has a planner.")
    _planners[target] = plan


def planned(target: Target) -> bool:
    """Whether actions on this target type are carried out on the wikis by this product."""
    return target in BLOCK_TARGETS or target in _planners


def reason_for(case: Case) -> str:
    return (
        f"Office action: {case.action_kind.name} ({case.reference}). "
        "Do not modify; see the Office Actions Policy."
    )


def plan_operations(
    case: Case, performer: str, wikis: dict[str, WikiConfig], split_wide_ranges: bool = False
) -> list[Operation]:
    """The ledger rows an approved action needs, as the catalog's target type says."""
    target = case.action_kind.target
    if target in BLOCK_TARGETS:
        return _block_ops(case, performer, wikis, split_wide_ranges)
    plan = _planners.get(target)
    return plan(case, performer, wikis) if plan else []


# -- people and address ranges ------------------------------------------------------------


def _split(network: ipaddress.IPv4Network | ipaddress.IPv6Network, limit: int) -> list[str]:
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


def _block_ops(
    case: Case, performer: str, wikis: dict[str, WikiConfig], split_wide_ranges: bool
) -> list[Operation]:
    kind = case.action_kind
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
    ops: list[Operation] = []
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
    return ops


# -- pages and rights ----------------------------------------------------------------------


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


def _page_ops(case: Case, performer: str, wikis: dict[str, WikiConfig]) -> list[Operation]:
    terms = _terms(case)
    wiki, page = terms.get("wiki", "").strip(), terms.get("page", "").strip()
    if wiki not in wikis or not page:
        raise InvalidInput(
            "Office page protection needs the terms 'wiki' (one of "
            f"{', '.join(wikis) or 'no configured wiki'}) and 'page'."
        )
    level = terms.get("level", "sysop").strip() or "sysop"
    ops = [Operation(op=Op.PROTECT, target=page, params={"level": level})]
    if terms.get("reset_text", "").strip():
        ops.append(Operation(op=Op.RESET_PAGE, target=page, params={"text": terms["reset_text"]}))
    else:
        ops.append(Operation(op=Op.TAG_PAGE, target=page))
    for op in ops:
        op.case, op.wiki, op.performer = case, wiki, performer
    return ops


def _rights_ops(case: Case, performer: str, wikis: dict[str, WikiConfig]) -> list[Operation]:
    terms = _terms(case)
    wiki, username = terms.get("wiki", "").strip(), terms.get("username", "").strip()
    groups = [g.strip() for g in terms.get("groups", "").split(",") if g.strip()]
    if wiki not in wikis or not username or not groups:
        raise InvalidInput(
            "Removal of advanced rights needs the terms 'wiki', 'username' and 'groups' "
            "(comma-separated)."
        )
    _check_groups_exist(wikis[wiki], groups)
    return [
        Operation(
            case=case,
            wiki=wiki,
            op=Op.REMOVE_GROUPS,
            target=normalise_username(username),
            params={"groups": groups},
            performer=performer,
        )
    ]


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


register(Target.PAGE, _page_ops)
register(Target.FUNCTIONARY_RIGHTS, _rights_ops)


# -- undoing -------------------------------------------------------------------------------


def plan_undo(case: Case) -> list[Operation]:
    """The inverse of every operation that took effect; what never did is not retried."""
    inverse = [
        Operation(
            case=case,
            wiki=op.wiki,
            op=LIFT_INVERSE[op.op],
            target=op.target,
            params={k: v for k, v in op.params.items() if k != "expiry"},
            performer=op.performer,
        )
        for op in case.operations.filter(
            op__in=list(LIFT_INVERSE), state__in=[State.DONE, State.VERIFIED]
        )
    ]
    case.operations.filter(
        op__in=list(LIFT_INVERSE), state__in=[State.PENDING, State.FAILED]
    ).update(
        state=State.NOT_APPLICABLE,
        message="Ended before it took effect.",
        updated_at=timezone.now(),
    )
    Operation.objects.bulk_create(inverse, ignore_conflicts=True)
    return inverse
