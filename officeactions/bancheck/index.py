"""The in-memory ban index: which office actions in effect apply to an account or an address.

Accounts are a dict from the MediaWiki-normalised username to the rules that block it.
Addresses and ranges live in two C prefix tries (pytricia), one per IP version, keyed by packed
addresses, so a lookup is one C call; IPv4-mapped IPv6 addresses are folded to IPv4 first.
Expiry is compared at lookup time, so an action past its end stops matching at once, even
before the worker has moved its case to "expired".

In front of that Python check sits a compiled fast path (``_fastpath.pyx``) that answers only
the common case, "no rule applies", and hands everything else to it; a wiki asks the check on
every login and edit, and nearly every answer is that one.

``NaiveIndex`` is the reference the fast index is tested and benchmarked against: a list of
``ipaddress`` networks scanned one by one.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytricia

from officeactions.policy.bancheck import (
    MAX_USERNAME_BYTES,
    Block,
    address_key,
    network_key,
    network_text,
    username_key,
)

if TYPE_CHECKING:
    from officeactions.bancheck import _fastpath

FastPath: type[_fastpath.FastPath] | None
try:  # compiled at install (setup.py); without it the same answers come from Python, slower
    from officeactions.bancheck._fastpath import FastPath
except ImportError:  # pragma: no cover - a source tree that was never installed
    FastPath = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One office action that blocks something: everything a match may say about it."""

    reference: str  # the case's public reference
    action: str  # the catalog kind: global_ban, range_block, event_ban
    expires_at: float | None = None  # POSIX seconds; None: indefinite
    # Whether the matched range may be shown (the catalog's public fields): a global ban's
    # usernames are public, its addresses never; a range block's range is.
    address_public: bool = False

    def in_effect(self, now: float) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class Match:
    rule: Rule
    block: Block
    target: str | None  # the username or range that matched, where it may be shown


# A plain username is one that normalise_username returns unchanged: an ASCII capital or digit
# first, then no illegal character, underscore, control character or doubled, leading or
# trailing space. Such names skip normalisation; every other name takes the full path.
_PLAIN_NAME = re.compile(
    r"[A-Z0-9][^\x00-\x1f\x7f_#<>\[\]|{} ]*(?: [^\x00-\x1f\x7f_#<>\[\]|{} ]+)*"
)
_PLAIN_MAX = MAX_USERNAME_BYTES // 4  # at most 4 bytes a character in UTF-8
_MAPPED = b"\x00" * 10 + b"\xff\xff"
_V4, _V6 = socket.AF_INET, socket.AF_INET6
inet_pton = socket.inet_pton

# What the index keeps per key: one rule (by far the usual case), or a tuple of several.
Rules = Rule | tuple[Rule, ...]


def _checker(index: BanIndex) -> Callable[..., list[Match]]:
    """The index's check, as a closure over its tables: the function a wiki's every login and
    edit waits for, so the common case (a plain name and an address, neither blocked) is a
    few C calls with nothing looked up twice."""
    accounts, addresses, events = index._accounts, index._addresses, index._events
    v4, v6, v4_blocks, v6_blocks = index._v4, index._v6, index._v4_blocks, index._v6_blocks
    plain, plain_max, ranges = _PLAIN_NAME.fullmatch, _PLAIN_MAX, BanIndex._range_matches
    account, address = Block.ACCOUNT, Block.ADDRESS

    def check(
        user: str | None = None,
        ip: str | None = None,
        event: int | None = None,
        now: float | None = None,
    ) -> list[Match]:
        """Every rule in effect that applies; an empty list means none does.

        Raises PolicyRefusal for a malformed username or address (never "not banned").
        """
        found: list[Match] = []
        if user is not None:
            rules = accounts.get(user)
            if rules is None and not (
                len(user) <= plain_max and plain(user) and (user.isascii() or user.isprintable())
            ):
                user = username_key(user)  # not plain: normalise, or refuse
                rules = accounts.get(user)
            if rules is not None:
                found += [Match(r, account, user) for r in _each(rules)]
            if event is not None:
                rules = events.get(event, {}).get(user)
                if rules is not None:
                    found += [Match(r, account, user) for r in _each(rules)]
        if ip is not None:
            try:
                if ":" in ip:
                    packed = inet_pton(_V6, ip)
                    if packed[:12] == _MAPPED:
                        packed = packed[12:]
                else:
                    packed = inet_pton(_V4, ip)
            except (OSError, ValueError):
                address_key(ip)  # raises PolicyRefusal, saying why
                raise
            rules = addresses.get(packed)
            if rules is not None:
                shown = network_text(packed, len(packed) * 8)
                found += [
                    Match(r, address, shown if r.address_public else None) for r in _each(rules)
                ]
            if len(packed) == 4:
                if v4_blocks[(packed[0] << 8) | packed[1]]:
                    found += ranges(v4, packed)
            elif v6_blocks[(packed[0] << 8) | packed[1]]:
                found += ranges(v6, packed)
        if not found:
            return found
        now = time.time() if now is None else now
        return [m for m in found if m.rule.in_effect(now)]

    return check


def _with(existing: Rules | None, rule: Rule) -> Rules:
    if existing is None:
        return rule
    return (*existing, rule) if isinstance(existing, tuple) else (existing, rule)


def _each(rules: Rules) -> tuple[Rule, ...]:
    return rules if isinstance(rules, tuple) else (rules,)


class BanIndex:
    """Built once from the actions in effect, then only read (a new one replaces it).

    Single addresses are a dict of packed addresses (one hash lookup); ranges are a prefix
    trie per IP version, looked up only when a 65,536-entry map of the address's first 16 bits
    says some range touches that block, because a trie walk on a random address costs a
    cache miss per level and nearly every address a wiki asks about is in no range at all.
    """

    def __init__(self, version: int = 0) -> None:
        self.version = version
        self.built_at = time.time()
        self._accounts: dict[str, Rules] = {}
        self._addresses: dict[bytes, Rules] = {}
        self._v4 = pytricia.PyTricia(32)
        self._v6 = pytricia.PyTricia(128)
        self._v4_blocks = bytearray(65536)
        self._v6_blocks = bytearray(65536)
        # Ranges gathered while building (to merge two rules on one range); seal() moves them
        # into the tries.
        self._pending: dict[tuple[bytes, int], Rules] = {}
        # Event bans: event id -> username -> rules. An event is known once registered, even
        # with no bans, so that an unknown event is told apart from a clean one.
        self._events: dict[int, dict[str, Rules]] = {}
        # full_check decides every answer; check is the same function, or the compiled fast
        # path in front of it, which answers "none" itself only when it can prove it.
        self.full_check = _checker(self)
        self.check: Callable[..., list[Match]] = self.full_check
        self._fast_path: _fastpath.FastPath | None = None
        if FastPath is not None:
            self.check = self._fast_path = FastPath(
                self._accounts,
                self._addresses,
                self._v4.get_key,
                self._v6.get_key,
                self.full_check,
                _PLAIN_MAX,
            )

    def __len__(self) -> int:
        keyed = (*self._accounts.values(), *self._addresses.values())
        ranges = (tree[k] for tree in (self._v4, self._v6) for k in tree)
        return sum(len(_each(r)) for r in (*keyed, *ranges, *self._pending.values()))

    # -- building ----------------------------------------------------------------------

    def add_account(self, username: str, rule: Rule) -> None:
        """Block an account. Raises PolicyRefusal for a name MediaWiki would not accept."""
        key = username_key(username)
        self._accounts[key] = _with(self._accounts.get(key), rule)

    def add_network(self, network: str, rule: Rule) -> None:
        """Block an address or range (CIDR). Raises PolicyRefusal for host bits set."""
        self.add_packed(*network_key(network), rule)

    def add_packed(self, packed: bytes, prefixlen: int, rule: Rule) -> None:
        if self._fast_path is not None:
            self._fast_path.mark(packed, prefixlen)
        if prefixlen == len(packed) * 8:
            self._addresses[packed] = _with(self._addresses.get(packed), rule)
            return
        key = (packed, prefixlen)
        self._pending[key] = _with(self._pending.get(key), rule)
        blocks = self._v4_blocks if len(packed) == 4 else self._v6_blocks
        first = (packed[0] << 8) | packed[1]
        blocks[first : first + (1 << max(16 - prefixlen, 0))] = b"\x01" * (
            1 << max(16 - prefixlen, 0)
        )

    def seal(self) -> BanIndex:
        """End building: put the gathered ranges into the tries."""
        v4, v6 = self._v4.insert, self._v6.insert
        for (packed, prefixlen), rules in self._pending.items():
            (v4 if len(packed) == 4 else v6)(packed, prefixlen, rules)
        self._pending = {}
        return self

    def add_event(self, event_id: int) -> None:
        self._events.setdefault(event_id, {})

    def add_event_ban(self, event_id: int, username: str, rule: Rule) -> None:
        """Ban an account from one event; the event becomes known. Event ban entries plug
        into the index through this, from an entry source (see services.ENTRY_SOURCES)."""
        bans = self._events.setdefault(event_id, {})
        key = username_key(username)
        bans[key] = _with(bans.get(key), rule)

    def knows_event(self, event_id: int) -> bool:
        return event_id in self._events

    # -- reading -----------------------------------------------------------------------

    @staticmethod
    def _range_matches(tree: pytricia.PyTricia, packed: bytes) -> list[Match]:
        # Walk from the longest matching range out to every wider one that holds the address.
        found = []
        prefix = tree.get_key(packed)
        while prefix is not None:
            for rule in _each(tree[prefix]):
                found.append(Match(rule, Block.ADDRESS, prefix if rule.address_public else None))
            prefix = tree.parent(prefix)
        return found


class NaiveIndex:
    """The reference: the same rules, scanned one by one with the ipaddress module."""

    def __init__(self) -> None:
        self.accounts: list[tuple[str, Rule]] = []
        self.networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Rule]] = []

    def add_account(self, username: str, rule: Rule) -> None:
        self.accounts.append((username_key(username), rule))

    def add_network(self, network: str, rule: Rule) -> None:
        network_key(network)  # the same refusals as the index
        parsed = ipaddress.ip_network(network, strict=True)
        mapped = getattr(parsed.network_address, "ipv4_mapped", None)
        if mapped is not None and parsed.prefixlen >= 96:
            parsed = ipaddress.ip_network((mapped, parsed.prefixlen - 96))
        self.networks.append((parsed, rule))

    def check(
        self, user: str | None = None, ip: str | None = None, now: float | None = None
    ) -> set[tuple[str, Block]]:
        now = time.time() if now is None else now
        found: list[tuple[Rule, Block]] = []
        if user is not None:
            key = username_key(user)
            found += [(r, Block.ACCOUNT) for u, r in self.accounts if u == key]
        if ip is not None:
            address_key(ip)  # the same refusals as the index; the reading is ipaddress's own
            address = ipaddress.ip_address(ip)
            address = getattr(address, "ipv4_mapped", None) or address
            found += [
                (r, Block.ADDRESS)
                for n, r in self.networks
                if n.version == address.version and address in n
            ]
        return {(r.reference, b) for r, b in found if r.in_effect(now)}


def as_pairs(matches: Iterable[Match]) -> set[tuple[str, Block]]:
    return {(m.rule.reference, m.block) for m in matches}
