"""Property tests of the ban index: on random rules and queries, the fast index (dict + C
prefix tries) gives exactly the answers of the naive reference (ipaddress, one by one)."""

from __future__ import annotations

import contextlib
import ipaddress

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from officeactions.bancheck.index import BanIndex, NaiveIndex, Rule, as_pairs
from officeactions.policy import PolicyRefusal
from officeactions.policy.bancheck import (
    _network_key_slow,
    address_key,
    network_key,
    username_key,
)
from officeactions.policy.names import normalise_username

NOW = 1_800_000_000.0


@st.composite
def networks(draw) -> str:
    """Any prefix length; sometimes written as IPv4-mapped IPv6."""
    version = draw(st.sampled_from([4, 6]))
    bits = 32 if version == 4 else 128
    prefixlen = draw(st.integers(min_value=0 if version == 4 else 8, max_value=bits))
    value = draw(st.integers(min_value=0, max_value=2**bits - 1))
    value &= ((1 << bits) - 1) ^ ((1 << (bits - prefixlen)) - 1)  # no host bits
    network = ipaddress.ip_network((value, prefixlen))
    if version == 4 and draw(st.booleans()):
        return f"::ffff:{network.network_address}/{96 + prefixlen}"
    return str(network)


@st.composite
def addresses_near(draw, nets: list[str]) -> str:
    """Inside, at the edge of, or just outside one of the rules, or anywhere at all."""
    how = draw(st.sampled_from(["inside", "first", "last", "before", "after", "random"]))
    if nets and how != "random":
        packed, prefixlen = network_key(draw(st.sampled_from(nets)))
        network = ipaddress.ip_network((packed, prefixlen))
        offset = {
            "inside": draw(st.integers(0, network.num_addresses - 1)),
            "first": 0,
            "last": network.num_addresses - 1,
            "before": -1,
            "after": network.num_addresses,
        }[how]
        bits = network.max_prefixlen
        value = (int(network.network_address) + offset) % (1 << bits)
        address = ipaddress.ip_address(value) if bits == 32 else ipaddress.IPv6Address(value)
    else:
        version = draw(st.sampled_from([4, 6]))
        bits = 32 if version == 4 else 128
        value = draw(st.integers(0, 2**bits - 1))
        address = ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)
    if address.version == 4 and draw(st.booleans()):
        return f"::ffff:{address}"
    return str(address) if draw(st.booleans()) else address.exploded


NAMES = st.text(alphabet="abAB _é", min_size=1, max_size=6)
EXPIRIES = st.one_of(st.none(), st.sampled_from([NOW - 1, NOW + 1]))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_fast_index_agrees_with_the_reference(data):
    nets = data.draw(st.lists(networks(), max_size=12))
    names = data.draw(st.lists(NAMES, max_size=6))
    fast, naive = BanIndex(), NaiveIndex()
    for i, target in enumerate(nets + names):
        rule = Rule(f"OA-{i}", "global_ban", expires_at=data.draw(EXPIRIES))
        for index in (fast, naive):
            # A name MediaWiki refuses (all spaces) is refused by both alike.
            with contextlib.suppress(PolicyRefusal):
                (index.add_network if i < len(nets) else index.add_account)(target, rule)
    fast.seal()
    for _ in range(20):
        ip = data.draw(st.one_of(st.none(), addresses_near(nets)))
        user = data.draw(st.one_of(st.none(), st.sampled_from(names) if names else NAMES, NAMES))
        try:
            expected = naive.check(user, ip, now=NOW)
        except PolicyRefusal:
            with pytest.raises(PolicyRefusal):
                fast.check(user, ip, now=NOW)
            continue
        assert as_pairs(fast.check(user, ip, now=NOW)) == expected, (user, ip)


@settings(max_examples=1000, deadline=None)
@given(raw=st.text(max_size=80) | st.text(alphabet=" _aAß#|\x00\u200e\u00a0", max_size=8))
def test_the_fast_username_path_is_mediawikis_normalisation(raw):
    try:
        expected = normalise_username(raw)
    except PolicyRefusal:
        with pytest.raises(PolicyRefusal):
            username_key(raw)
        return
    assert username_key(raw) == expected
    assert username_key(expected) == expected  # normal names stay as they are


@settings(max_examples=1000, deadline=None)
@given(raw=st.text(alphabet="0123456789abcdefABCDEF:.%/ fx", max_size=45))
def test_an_address_is_accepted_only_if_it_is_one(raw):
    assume("%" not in raw)  # zones: ipaddress takes them, a wiki never sends one
    try:
        reference = ipaddress.ip_address(raw)
    except ValueError:
        reference = None
    try:
        packed = address_key(raw)
    except PolicyRefusal:
        packed = None
    if packed is None:
        assert reference is None, raw  # never refused when it is an address
        return
    assert reference is not None, raw  # never accepted when it is not
    folded = getattr(reference, "ipv4_mapped", None) or reference
    assert packed == folded.packed


@settings(max_examples=300, deadline=None)
@given(version=st.sampled_from([4, 6]), data=st.data())
def test_every_valid_address_is_accepted(version, data):
    bits = 32 if version == 4 else 128
    address = ipaddress.ip_address(data.draw(st.integers(0, 2**bits - 1)))
    if version == 6:
        address = ipaddress.IPv6Address(int(address))
    texts = {str(address), address.exploded}
    if version == 4:
        texts |= {f"::ffff:{address}", f"0:0:0:0:0:ffff:{address}"}
    for text in texts:
        assert address_key(text) == (getattr(address, "ipv4_mapped", None) or address).packed
        assert len(address_key(text)) == (4 if version == 4 else 16)


@settings(max_examples=1000, deadline=None)
@given(
    raw=networks()
    | st.text(alphabet="0123456789abcdef:./ f", max_size=30)
    | st.builds(lambda n, p: f"{n}/{p}", networks(), st.integers(-1, 140))
)
def test_the_fast_range_reading_is_ipaddresss(raw):
    try:
        expected = _network_key_slow(raw)
    except PolicyRefusal:
        with pytest.raises(PolicyRefusal):
            network_key(raw)
        return
    assert network_key(raw) == expected


def test_a_range_with_host_bits_is_refused():
    with pytest.raises(PolicyRefusal, match="host bits"):
        network_key("192.0.2.1/24")
    assert network_key("::ffff:192.0.2.0/120") == (bytes([192, 0, 2, 0]), 24)


@settings(max_examples=1000, deadline=None)
@given(raw=st.text(max_size=70) | st.text(alphabet="Aa _#\x00\x7f\u200eé1", max_size=8))
def test_the_index_reads_every_name_as_mediawiki_does(raw):
    index = BanIndex()
    rule = Rule("OA-1", "global_ban")
    try:
        key = normalise_username(raw)
    except PolicyRefusal:
        with pytest.raises(PolicyRefusal):
            index.check(raw)
        return
    index.add_account(key, rule)
    index.seal()
    assert as_pairs(index.check(raw)) == {("OA-1", "account")}
    assert index.check(raw)[0].target == key


def test_the_compiled_fast_path_is_in_use():
    """The install compiles it (setup.py); without it every check takes the slower Python path."""
    from officeactions.bancheck.index import FastPath

    assert FastPath is not None
    assert isinstance(BanIndex().check, FastPath)


# Text a wiki might send, and text it should not: NULs, controls, non-ASCII letters and
# spaces, underscores, doubled and trailing spaces, IPv6 and IPv4-mapped forms.
ODD_TEXT = st.text(alphabet="aB0 _:.f%/\x00\t\u00a0é#", max_size=14) | st.text(max_size=20)


@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_the_compiled_fast_path_answers_as_the_full_check(data):
    """The fast path may only say "none" where the full check (pure Python) says so, and must
    leave every refusal to it: on any text at all, both answer alike."""
    nets = data.draw(st.lists(networks(), max_size=8))
    names = data.draw(st.lists(NAMES, max_size=4))
    index = BanIndex()
    for i, target in enumerate(nets + names):
        with contextlib.suppress(PolicyRefusal):
            rule = Rule(f"OA-{i}", "global_ban")
            (index.add_network if i < len(nets) else index.add_account)(target, rule)
    index.seal()
    for _ in range(10):
        user = data.draw(st.one_of(st.none(), NAMES, ODD_TEXT))
        ip = data.draw(st.one_of(st.none(), addresses_near(nets), ODD_TEXT))
        try:
            expected = index.full_check(user, ip, now=NOW)
        except PolicyRefusal:
            with pytest.raises(PolicyRefusal):
                index.check(user, ip, now=NOW)
            continue
        assert index.check(user, ip, now=NOW) == expected, (user, ip)


def test_the_fast_path_refuses_a_malformed_network_mark():
    from officeactions.bancheck.index import FastPath

    fast = FastPath({}, {}, None, None, None, 63)
    for packed, prefixlen in ((b"\x01\x02\x03", 24), (b"\x01\x02\x03\x04", 33), (b"", 0)):
        with pytest.raises(ValueError, match="not a packed"):
            fast.mark(packed, prefixlen)
