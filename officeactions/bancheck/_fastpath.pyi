"""Types for the compiled fast path (``_fastpath.pyx``), which mypy cannot read."""

from collections.abc import Callable

from officeactions.bancheck.index import Match, Rules

class FastPath:
    def __init__(
        self,
        accounts: dict[str, Rules],
        addresses: dict[bytes, Rules],
        v4_get_key: Callable[[bytes], object],
        v6_get_key: Callable[[bytes], object],
        full: Callable[..., list[Match]],
        longest_plain: int,
    ) -> None: ...
    def mark(self, packed: bytes, prefixlen: int) -> None: ...
    def __call__(
        self,
        user: object = None,
        ip: object = None,
        event: object = None,
        now: object = None,
    ) -> list[Match]: ...
