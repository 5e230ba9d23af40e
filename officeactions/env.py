"""Typed reads of the environment for the settings.

A bad value stops start-up with ImproperlyConfigured naming the variable, the value and what was
expected, rather than a bare ValueError from deep inside the settings module. An empty value of
a typed variable (a number, a yes/no, JSON) counts as unset, as `VAR=` in a shell or an env file
usually means; text and lists keep an empty value as it is (an empty host list is a choice).

Ground module: imports nothing of the app, so that settings can import it.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _typed(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        bound = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ImproperlyConfigured(f"{name} must be {bound}, not {value!r}")
    if maximum is not None and value > maximum:
        bound = f"at most {maximum}" if minimum is None else f"from {minimum} to {maximum}"
        raise ImproperlyConfigured(f"{name} must be {bound}, not {value!r}")


def env_bool(name: str, default: bool) -> bool:
    value = _typed(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _typed(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    _range(name, number, minimum, maximum)
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = _typed(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}")
    _range(name, number, minimum, maximum)
    return number


def env_list(name: str, default: str) -> list[str]:
    """Comma-separated; blanks around and between the commas are dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_json(name: str, default: Any) -> Any:
    """Whatever JSON the operator wrote, as json.loads gives it: the setting's reader says
    what shape it takes."""
    value = _typed(name)
    if value is None:
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON ({exc}): {value!r}") from exc


CACHE_SCHEMES = "locmem://, redis://host:port/db, rediss://..., db:// or database://table_name"
DEFAULT_CACHE_TABLE = "officeactions_cache"
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _shown(url: SplitResult) -> str:
    """The URL as given, without its password (the message is printed and logged)."""
    if url.password is None:
        return url.geturl()
    return url._replace(netloc=url.netloc.replace(f":{url.password}@", ":***@", 1)).geturl()


def env_cache(name: str, default: str = "locmem://") -> dict[str, str]:
    """One entry of Django's CACHES, chosen by a URL's scheme."""
    raw = env_str(name, default).strip() or default
    url = urlsplit(raw)
    scheme = url.scheme.lower()

    def refuse(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name}={_shown(url)!r}: {why}; expected {CACHE_SCHEMES}")

    if "://" not in raw:
        raise refuse("not a URL")
    if scheme == "locmem":
        # Today's (and Django's) default: counters in each process, not shared.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.netloc,
        }
    if scheme in ("redis", "rediss"):
        try:
            url.port  # noqa: B018 -- read for its check of the port
        except ValueError:
            raise refuse("the port is not a number from 1 to 65535") from None
        if not url.hostname:
            raise refuse("a host is needed")
        db = url.path.strip("/")
        if db and not db.isdigit():
            raise refuse(f"the database must be a number, not {db!r}")
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw}
    if scheme in ("db", "database"):
        table = (url.netloc + url.path).strip("/") or DEFAULT_CACHE_TABLE
        if not _TABLE.fullmatch(table):
            raise refuse(f"{table!r} is not a table name")
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    raise refuse(f"unknown scheme {url.scheme!r}")
