"""Wiki usernames as MediaWiki sees them."""

from __future__ import annotations

import re
import unicodedata

from officeactions.policy.errors import PolicyRefusal

_ILLEGAL = set("#<>[]|{}")
MAX_USERNAME_BYTES = 255


def normalise_username(raw: str) -> str:
    """Underscores are spaces, runs of spaces are one, no surrounding space, first letter upper.

    Raises PolicyRefusal for a name MediaWiki would not accept.
    """
    name = re.sub(r"[ _]+", " ", raw).strip()
    if not name:
        raise PolicyRefusal("A username cannot be empty.")
    bad = sorted({c for c in name if c in _ILLEGAL or unicodedata.category(c).startswith("C")})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise PolicyRefusal(f"A username cannot contain {shown}.")
    if len(name.encode()) > MAX_USERNAME_BYTES:
        raise PolicyRefusal(f"A username is at most {MAX_USERNAME_BYTES} bytes long.")
    return name[0].upper() + name[1:]
