"""The in-memory ban index: which office actions in effect apply to an account or an address.

Accounts are a dict from the MediaWiki-normalised username to the rules that block it.
Addresses and ranges live in two C prefix tries (pytricia), one per IP version, keyed by packed
addresses, so a lookup is one C call; IPv4-mapped IPv6 addresses are folded to IPv4 first.
Expiry is compared at lookup time, so an action past its end stops matching at once, even
before the worker has moved its case to "expired".

``NaiveIndex`` is the reference the fast index is tested and benchmarked against: a list of
``ipaddress`` networks scanned one by one.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pytricia

from officeactions.policy.bancheck import (
    Block,
    address_key,
    network_key,
    username_key,
)


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


class BanIndex:
    """Built once from the actions in effect, then only read (a new one replaces it)."""

    def __init__(self, version: int = 0) -> None:
        self.version = version
        self.built_at = time.time()
        self._accounts: dict[str, tuple[Rule, ...]] = {}
        self._v4 = pytricia.PyTricia(32)
        self._v6 = pytricia.PyTricia(128)
        # Addresses and ranges gathered while building; seal() moves them into the tries.
        self._pending: dict[tuple[bytes, int], tuple[Rule, ...]] = {}
        # Event bans: event id -> username -> rules. An event is known once registered, even
        # with no bans, so that an unknown event is told apart from a clean one.
        self._events: dict[int, dict[str, tuple[Rule, ...]]] = {}

    def __len__(self) -> int:
        return sum(len(r) for r in self._accounts.values()) + sum(
            len(tree[k]) for tree in (self._v4, self._v6) for k in tree
        )

    # -- building ----------------------------------------------------------------------

    def add_account(self, username: str, rule: Rule) -> None:
        """Block an account. Raises PolicyRefusal for a name MediaWiki would not accept."""
        key = username_key(username)
        self._accounts[key] = (*self._accounts.get(key, ()), rule)

    def add_network(self, network: str, rule: Rule) -> None:
        """Block an address or range (CIDR). Raises PolicyRefusal for host bits set."""
        self.add_packed(*network_key(network), rule)

    def add_packed(self, packed: bytes, prefixlen: int, rule: Rule) -> None:
        key = (packed, prefixlen)
        self._pending[key] = (*self._pending.get(key, ()), rule)

    def seal(self) -> BanIndex:
        """End building: put the gathered addresses and ranges into the tries."""
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
        bans[key] = (*bans.get(key, ()), rule)

    def knows_event(self, event_id: int) -> bool:
        return event_id in self._events

    # -- reading -----------------------------------------------------------------------

    def check(
        self,
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
            rules = self._accounts.get(user)
            if rules is None:
                key = username_key(user)
                if key is not user:  # the same object back: already normal, already missed
                    rules = self._accounts.get(key)
                user = key
            if rules is not None:
                found += [Match(r, Block.ACCOUNT, user) for r in rules]
            if event is not None:
                rules = self._events.get(event, {}).get(user)
                if rules is not None:
                    found += [Match(r, Block.ACCOUNT, user) for r in rules]
        if ip is not None:
            packed = address_key(ip)
            tree = self._v4 if len(packed) == 4 else self._v6
            if tree.get(packed) is not None:
                found += self._address_matches(tree, packed)
        if not found:
            return found
        now = time.time() if now is None else now
        return [m for m in found if m.rule.in_effect(now)]

    @staticmethod
    def _address_matches(tree: pytricia.PyTricia, packed: bytes) -> list[Match]:
        # A hit: walk from the longest matching prefix out to every wider one that holds it.
        found = []
        prefix = tree.get_key(packed)
        while prefix is not None:
            for rule in tree[prefix]:
                shown = prefix.removesuffix("/32" if len(packed) == 4 else "/128")
                found.append(Match(rule, Block.ADDRESS, shown if rule.address_public else None))
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
