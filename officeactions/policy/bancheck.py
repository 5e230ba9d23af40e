"""What a ban check compares: usernames as MediaWiki sees them, addresses and ranges as the
wikis block them, and when an action ends. Pure Python; the index in officeactions.bancheck
uses these on every lookup, so the common case is kept to a few C calls.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import UTC, datetime
from enum import StrEnum

from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.names import MAX_USERNAME_BYTES, normalise_username

# ::ffff:a.b.c.d is the IPv4 address a.b.c.d (RFC 4291 2.5.5.2); a wiki sees it as such.
_MAPPED = b"\x00" * 10 + b"\xff\xff"
MAX_QUERY_CHARS = 300  # longer than any username or address; refused before any parsing
# Anything that normalise_username would change or refuse; absent, the name is already normal.
_NEEDS_NORMALISING = re.compile(r"[_#<>\[\]|{}]|^ | $|  ")


class Block(StrEnum):
    """What a match was found on."""

    ACCOUNT = "account"  # the username is one of the person's blocked accounts
    ADDRESS = "address"  # the address is, or lies inside, a blocked address or range


def username_key(raw: str) -> str:
    """The name as MediaWiki stores it (see ``normalise_username``), fast when it already is.

    Raises PolicyRefusal for a name MediaWiki would not accept.
    """
    # isprintable() is false for every control, format and unassigned character (category
    # C) and for separators other than the ASCII space, so a name passing these tests is one
    # that normalise_username returns unchanged.
    if (
        raw
        and len(raw) <= MAX_USERNAME_BYTES // 4
        and raw.isprintable()
        and _NEEDS_NORMALISING.search(raw) is None
        and raw[0].upper() == raw[0]
    ):
        return raw
    if len(raw) > MAX_QUERY_CHARS:
        raise PolicyRefusal(f"A username is at most {MAX_USERNAME_BYTES} bytes long.")
    return normalise_username(raw)


def address_key(raw: str) -> bytes:
    """The packed address: 4 bytes for IPv4 (IPv4-mapped IPv6 included), 16 for IPv6.

    Strict: no leading zeros, no shortened IPv4 forms, no zone, no surrounding space, no
    prefix. Raises PolicyRefusal otherwise, so a malformed address is never "not banned".
    """
    try:
        if ":" in raw:
            packed = socket.inet_pton(socket.AF_INET6, raw)
            return packed[12:] if packed[:12] == _MAPPED else packed
        return socket.inet_pton(socket.AF_INET, raw)
    except (OSError, ValueError):
        shown = raw if len(raw) <= 60 else raw[:60] + "…"
        raise PolicyRefusal(f"{shown!r} is not an IPv4 or IPv6 address.") from None


def network_key(raw: str) -> tuple[bytes, int]:
    """A blocked address or range as (packed network address, prefix length), IPv4-mapped
    ranges folded to IPv4. Host bits set are refused: 192.0.2.1/24 is a mistake, not a range.
    Reads what ``ipaddress.ip_network(raw, strict=True)`` reads, the common forms quickly.
    """
    text, slash, length = raw.strip().partition("/")
    try:
        packed = address_key(text)
    except PolicyRefusal:
        return _network_key_slow(raw)
    bits = len(packed) * 8
    if not slash:
        return packed, bits
    if not (length.isascii() and length.isdigit()) or (":" in text and len(packed) == 4):
        return _network_key_slow(raw)  # netmask forms; mapped ranges (fold by prefix length)
    prefixlen = int(length)
    if prefixlen > bits or int.from_bytes(packed) & ((1 << (bits - prefixlen)) - 1):
        return _network_key_slow(raw)  # the slow path says what is wrong
    return packed, prefixlen


def _network_key_slow(raw: str) -> tuple[bytes, int]:
    try:
        network = ipaddress.ip_network(raw.strip(), strict=True)
    except ValueError as exc:
        raise PolicyRefusal(f"{raw!r} is not an IP address or a CIDR range: {exc}") from None
    if network.version == 6 and network.prefixlen >= 96 and network.network_address.ipv4_mapped:
        return network.network_address.ipv4_mapped.packed, network.prefixlen - 96
    return network.network_address.packed, network.prefixlen


def network_text(packed: bytes, prefixlen: int) -> str:
    """The canonical text of a range: single addresses without a prefix, as wikis show them."""
    address = ipaddress.ip_address(packed)
    if prefixlen == address.max_prefixlen:
        return str(address)
    return f"{address}/{prefixlen}"


def expiry_from_terms(terms: dict[str, str]) -> datetime | None:
    """The end of an approved action (terms "expiry", UTC), read as enforcement reads it;
    none, or unreadable, means indefinite: a ban is never dropped on a typo."""
    raw = str(terms.get("expiry", "")).strip()
    if not raw or raw.lower() in ("indefinite", "infinite", "never"):
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
