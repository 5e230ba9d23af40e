# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The ban check's common case, compiled: proving that no rule applies.

Nearly every question a wiki asks is about a clean account and a clean address. ``FastPath``
answers those in C: an ASCII username that, folded as MediaWiki folds it, is not a key of the
account table, and an address that libc's inet_pton reads (as Python's socket.inet_pton does),
is not a single blocked address, and lies in no range. Anything else (a hit, an event, a name
that needs more than folding, bad input, any non-ASCII text) goes to the index's full check in
Python, which alone decides what matches and what is refused. So this file only ever says
"none", and only when the full check would say so too (tests/test_bancheck_properties.py
compares them).
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.string cimport memchr, memcmp, memset, strlen


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char *PyUnicode_AsUTF8AndSize(object, Py_ssize_t *) except NULL


cdef extern from "arpa/inet.h":
    int inet_pton(int af, const char *src, void *dst) nogil


cdef extern from "sys/socket.h":
    int AF_INET
    int AF_INET6


cdef const char *MAPPED = b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"

# Characters that send a username to the full check (see index._PLAIN_NAME): controls, DEL and
# the ones MediaWiki refuses. Spaces and underscores are folded here, as MediaWiki folds them.
cdef bint NOT_PLAIN[128]
for _c in range(128):
    NOT_PLAIN[_c] = _c < 0x20 or _c == 0x7F or chr(_c) in "#<>[]|{}"


cdef object ascii_name_key(object name, Py_ssize_t longest):
    """The name as MediaWiki stores it (``normalise_username``), for an ASCII name of at most
    ``longest`` characters once folded: runs of spaces and underscores become one space, none
    at either end, the first letter upper-case. None for any other name: the full check then
    normalises or refuses it."""
    cdef Py_ssize_t n, i, k = 0
    cdef const unsigned char *s
    cdef unsigned char c
    cdef unsigned char out[256]
    cdef bint gap = False
    if not PyUnicode_IS_ASCII(name):
        return None
    s = <const unsigned char *> PyUnicode_AsUTF8AndSize(name, &n)
    if n == 0 or n > 255:
        return None
    for i in range(n):
        c = s[i]
        if c == 0x20 or c == 0x5F:  # ' ', '_'
            gap = True
            continue
        if NOT_PLAIN[c]:
            return None
        if gap and k > 0:
            out[k] = 0x20
            k += 1
        gap = False
        out[k] = c
        k += 1
    if k == 0 or k > longest:
        return None
    if 0x61 <= out[0] <= 0x7A:  # a-z
        out[0] -= 0x20
    if k == n and memcmp(out, s, n) == 0:
        return name  # already as stored: no new string
    return PyUnicode_DecodeASCII(<const char *> out, k, NULL)


cdef class FastPath:
    """Callable like ``BanIndex.check``; holds the index's own tables, not copies.

    Besides them it keeps one bit per /24 of each IP version (2 MB each): set where a blocked
    address or range touches that /24. A clean address (nearly all of them) is then proven
    clean by one bit, without building a key or walking a trie.
    """

    cdef dict accounts, addresses
    cdef bytearray v4_near, v6_near
    cdef object v4_get_key, v6_get_key, full
    cdef Py_ssize_t longest_plain

    def __init__(self, dict accounts, dict addresses, v4_get_key, v6_get_key, full,
                 Py_ssize_t longest_plain):
        self.accounts, self.addresses = accounts, addresses
        self.v4_near, self.v6_near = bytearray(1 << 21), bytearray(1 << 21)
        self.v4_get_key, self.v6_get_key = v4_get_key, v6_get_key
        self.full, self.longest_plain = full, longest_plain

    def mark(self, bytes packed, int prefixlen):
        """Note a blocked address or range (packed network address, prefix length)."""
        cdef const unsigned char *a = packed
        cdef unsigned int first, count, i
        if len(packed) not in (4, 16) or not 0 <= prefixlen <= len(packed) * 8:
            raise ValueError("not a packed IPv4 or IPv6 network")
        cdef unsigned char *near = <unsigned char *> PyByteArray_AS_STRING(
            self.v4_near if len(packed) == 4 else self.v6_near
        )
        first = (a[0] << 16) | (a[1] << 8) | a[2]
        count = 1 << (24 - prefixlen) if prefixlen < 24 else 1
        first &= ~(count - 1)
        if count >= 8:  # whole bytes (a range wider than a /21)
            memset(near + (first >> 3), 0xFF, count >> 3)
            return
        for i in range(first, first + count):
            near[i >> 3] |= 1 << (i & 7)

    def __call__(self, user=None, ip=None, event=None, now=None):
        cdef const char *text
        cdef Py_ssize_t n
        cdef unsigned char packed[16]
        cdef const unsigned char *address = packed
        cdef const unsigned char *near
        cdef Py_ssize_t size
        cdef unsigned int top
        if event is not None:
            return self.full(user, ip, event, now)
        if user is not None:
            if type(user) is not str:
                return self.full(user, ip, event, now)
            key = ascii_name_key(user, self.longest_plain)
            if key is None or key in self.accounts:
                return self.full(user, ip, event, now)
        if ip is not None:
            if type(ip) is not str or not PyUnicode_IS_ASCII(ip):
                return self.full(user, ip, event, now)
            text = PyUnicode_AsUTF8AndSize(ip, &n)
            if <Py_ssize_t> strlen(text) != n:  # a NUL inside: Python's inet_pton refuses it
                return self.full(user, ip, event, now)
            if memchr(text, 0x3A, n) != NULL:  # ':'
                if inet_pton(AF_INET6, text, packed) != 1:
                    return self.full(user, ip, event, now)
                if memcmp(packed, MAPPED, 12) == 0:
                    address, size = packed + 12, 4
                else:
                    size = 16
            elif inet_pton(AF_INET, text, packed) == 1:
                size = 4
            else:
                return self.full(user, ip, event, now)
            near = <const unsigned char *> PyByteArray_AS_STRING(
                self.v4_near if size == 4 else self.v6_near
            )
            top = (address[0] << 16) | (address[1] << 8) | address[2]
            if near[top >> 3] & (1 << (top & 7)):
                # Something is blocked in this /24: is it this address, or a range holding it?
                key = PyBytes_FromStringAndSize(<const char *> address, size)
                if key in self.addresses or (
                    (self.v4_get_key if size == 4 else self.v6_get_key)(key) is not None
                ):
                    return self.full(user, ip, event, now)
        return []
