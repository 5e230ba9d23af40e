"""Settings read from the environment: a bad value names itself; the cache URL picks the cache."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from officeactions.env import (
    DEFAULT_CACHE_TABLE,
    env_bool,
    env_cache,
    env_float,
    env_int,
    env_json,
    env_list,
    env_str,
)
from officeactions.web import PublicThrottle

ROOT = Path(__file__).resolve().parent.parent
VAR = "OFFICEACTIONS_SOME_SETTING"


def refused(monkeypatch, value: str, read) -> str:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured) as exc:
        read()
    message = str(exc.value)
    assert VAR in message
    return message


def test_a_whole_number_is_read_and_checked(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    assert env_int(VAR, 5, minimum=1) == 5
    monkeypatch.setenv(VAR, "")
    assert env_int(VAR, 5) == 5  # `VAR=` means unset
    monkeypatch.setenv(VAR, " 12 ")
    assert env_int(VAR, 5, minimum=1, maximum=65535) == 12
    assert "must be a whole number, not 'abc'" in refused(
        monkeypatch, "abc", lambda: env_int(VAR, 5)
    )
    assert "not '2.5'" in refused(monkeypatch, "2.5", lambda: env_int(VAR, 5))
    assert "must be at least 1, not 0" in refused(
        monkeypatch, "0", lambda: env_int(VAR, 5, minimum=1)
    )
    message = refused(monkeypatch, "70000", lambda: env_int(VAR, 587, minimum=1, maximum=65535))
    assert "must be from 1 to 65535, not 70000" in message


def test_a_number_is_read_and_checked(monkeypatch):
    monkeypatch.setenv(VAR, "0.25")
    assert env_float(VAR, 0.5, minimum=0) == 0.25
    monkeypatch.delenv(VAR)
    assert env_float(VAR, 0.5) == 0.5
    for bad in ("soon", "nan", "inf"):
        assert f"must be a number, not {bad!r}" in refused(
            monkeypatch, bad, lambda: env_float(VAR, 1)
        )
    assert "at least 0, not -1.0" in refused(
        monkeypatch, "-1", lambda: env_float(VAR, 1, minimum=0)
    )


def test_a_yes_or_no_is_read_and_checked(monkeypatch):
    for text, value in [("true", True), ("On", True), ("1", True), ("no", False), ("0", False)]:
        monkeypatch.setenv(VAR, text)
        assert env_bool(VAR, not value) is value
    monkeypatch.setenv(VAR, "")
    assert env_bool(VAR, True) is True
    assert "must be true or false, not 'maybe'" in refused(
        monkeypatch, "maybe", lambda: env_bool(VAR, True)
    )


def test_json_text_and_lists(monkeypatch):
    monkeypatch.setenv(VAR, '{"global_ban": {"approvals": 4}}')
    assert env_json(VAR, {}) == {"global_ban": {"approvals": 4}}
    assert "is not valid JSON" in refused(monkeypatch, "{approvals: 4}", lambda: env_json(VAR, {}))
    monkeypatch.setenv(VAR, " a.example , ,b.example")
    assert env_list(VAR, "127.0.0.1,localhost") == ["a.example", "b.example"]
    monkeypatch.setenv(VAR, "")
    assert env_list(VAR, "127.0.0.1,localhost") == []  # set empty: no hosts, as before
    assert env_str(VAR, "x") == ""
    monkeypatch.delenv(VAR)
    assert env_list(VAR, "127.0.0.1,localhost") == ["127.0.0.1", "localhost"]
    assert env_str(VAR, "x") == "x"


def import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Import the settings in a new process, as `officeactions` would at start-up."""
    environ = {**os.environ, "OFFICEACTIONS_DEBUG": "true", "OFFICEACTIONS_DATA_DIR": str(tmp_path)}
    environ.pop("OFFICEACTIONS_CACHE_URL", None)
    environ.update(env)
    code = "from officeactions import settings; print(settings.CACHES['default'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_value_stops_the_settings_with_its_name_not_a_bare_value_error(tmp_path):
    result = import_settings(
        tmp_path, OFFICEACTIONS_EMAIL_HOST="smtp.example", OFFICEACTIONS_EMAIL_PORT="abc"
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "django.core.exceptions.ImproperlyConfigured: "
        "OFFICEACTIONS_EMAIL_PORT must be a whole number, not 'abc'"
    )
    result = import_settings(tmp_path, OFFICEACTIONS_LOGIN_FAILURE_LIMIT="0")
    assert "OFFICEACTIONS_LOGIN_FAILURE_LIMIT must be at least 1, not 0" in result.stderr


def test_the_cache_is_per_process_unless_a_url_says_otherwise(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "django.core.cache.backends.locmem.LocMemCache" in result.stdout
    result = import_settings(tmp_path, OFFICEACTIONS_CACHE_URL="redis://127.0.0.1:6379/7")
    assert result.returncode == 0, result.stderr
    assert "django.core.cache.backends.redis.RedisCache" in result.stdout


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "locmem.LocMemCache", ""),
        ("redis://127.0.0.1:6379/7", "redis.RedisCache", "redis://127.0.0.1:6379/7"),
        ("rediss://:pw@cache.example:6380", "redis.RedisCache", "rediss://:pw@cache.example:6380"),
        ("db://", "db.DatabaseCache", DEFAULT_CACHE_TABLE),
        ("database://rate_limits", "db.DatabaseCache", "rate_limits"),
    ],
)
def test_the_cache_url_selects_the_backend(monkeypatch, url, backend, location):
    monkeypatch.setenv("OFFICEACTIONS_CACHE_URL", url)
    assert env_cache("OFFICEACTIONS_CACHE_URL") == {
        "BACKEND": f"django.core.cache.backends.{backend}",
        "LOCATION": location,
    }


def test_the_cache_url_is_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("OFFICEACTIONS_CACHE_URL", raising=False)
    assert env_cache("OFFICEACTIONS_CACHE_URL")["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("memcached://127.0.0.1:11211", "unknown scheme 'memcached'"),
        ("127.0.0.1:6379", "not a URL"),
        ("redis", "not a URL"),
        ("redis://127.0.0.1:port/0", "the port is not a number"),
        ("redis://127.0.0.1:6379/zero", "the database must be a number"),
        ("redis:///0", "a host is needed"),
        ("db://rate-limits", "'rate-limits' is not a table name"),
    ],
)
def test_an_unknown_or_broken_cache_url_is_refused(monkeypatch, url, why):
    monkeypatch.setenv("OFFICEACTIONS_CACHE_URL", url)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_cache("OFFICEACTIONS_CACHE_URL")
    assert str(exc.value).startswith("OFFICEACTIONS_CACHE_URL=")
    assert why in str(exc.value)


def test_a_refused_cache_url_does_not_print_its_password(monkeypatch):
    monkeypatch.setenv("OFFICEACTIONS_CACHE_URL", "redis://:hunter2@cache.example/x")
    with pytest.raises(ImproperlyConfigured) as exc:
        env_cache("OFFICEACTIONS_CACHE_URL")
    assert "hunter2" not in str(exc.value)
    assert "redis://:***@cache.example/x" in str(exc.value)


def test_migrate_creates_the_database_cache_table(tmp_path):
    env = {**os.environ, "OFFICEACTIONS_DEBUG": "true", "OFFICEACTIONS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # a fresh SQLite file of its own
    env["OFFICEACTIONS_CACHE_URL"] = "db://rate_limits"
    # The console script's code, run from this checkout.
    command = [sys.executable, "-m", "officeactions.cli", "migrate", "--no-input"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(tmp_path / "officeactions.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "rate_limits" in tables


def redis_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI never skips the shared rate-limit test (it runs Redis).")
    print(f"\n!!! SKIPPED (no Redis at 127.0.0.1:6379): {reason}", file=sys.stderr)
    pytest.skip(f"SKIPPED (no Redis at 127.0.0.1:6379): {reason}")


def redis_cache(prefix: str):
    """A cache object of its own, with its own connections, as a second process would have."""
    config = env_cache("OFFICEACTIONS_CACHE_URL", "redis://127.0.0.1:6379/7")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    return RedisCache(config["LOCATION"], {"KEY_PREFIX": prefix, "TIMEOUT": 120})


def test_the_public_rate_limit_holds_across_processes_sharing_redis(monkeypatch):
    monkeypatch.setenv("OFFICEACTIONS_CACHE_URL", "redis://127.0.0.1:6379/7")
    prefix = f"test-settings-{uuid.uuid4().hex}"  # other runs may share this Redis database
    first, second = redis_cache(prefix), redis_cache(prefix)
    assert first is not second
    try:
        first.set("ping", 1)
    except Exception as exc:  # redis-py raises its own ConnectionError family
        redis_unavailable(f"{type(exc).__name__}: {exc}")
    try:
        monkeypatch.setattr(PublicThrottle, "rate", "3/minute", raising=False)
        request = RequestFactory().get("/api/public/requests/x/", REMOTE_ADDR="198.51.100.9")

        def throttle(cache) -> PublicThrottle:
            one = PublicThrottle()
            one.cache = cache
            return one

        # One web process takes the client's whole burst...
        assert [throttle(first).allow_request(request, None) for _ in range(3)] == [True] * 3
        # ...and another process, with its own cache object, sees it spent.
        refused = throttle(second)
        assert refused.allow_request(request, None) is False
        assert refused.wait() == pytest.approx(20, abs=1)
        # A different client is counted apart.
        other = RequestFactory().get("/api/public/requests/x/", REMOTE_ADDR="198.51.100.10")
        assert throttle(second).allow_request(other, None) is True
    finally:
        first.delete_many(["ping", "throttle_public_198.51.100.9", "throttle_public_198.51.100.10"])
        first.close()
        second.close()


def test_env_example_lists_every_variable_the_settings_read():
    settings_text = (ROOT / "officeactions" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"((?:OFFICEACTIONS_|DATABASE_URL)\w*)"', settings_text))
    read.add("DATABASE_URL")  # read by dj_database_url
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#(\w+)=", example, flags=re.MULTILINE))
    assert len(read) > 40
    assert read == listed
