"""The `officeactions` console script, run as a user runs it, on a database of its own."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings

BIN = Path(sys.executable).with_name("officeactions")


@pytest.fixture
def cli_env(tmp_path):
    """A fresh database of the pass's kind: a new SQLite file, or a new PostgreSQL database."""
    env = {**os.environ, "OFFICEACTIONS_DEBUG": "true", "OFFICEACTIONS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        name = f"officeactions_cli_{os.getpid()}"
        admin = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres")
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
        yield env
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield env


def run(env, *args, check=True):
    result = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def tamper(env, sql: str) -> None:
    if "DATABASE_URL" in env:
        cfg = dj_database_url.parse(env["DATABASE_URL"])
        with psycopg.connect(
            host=cfg["HOST"], port=cfg["PORT"], user=cfg["USER"], dbname=cfg["NAME"]
        ) as conn:
            conn.execute("SET officeactions.audit_maintenance = 'on'")
            conn.execute(sql)
    else:
        with sqlite3.connect(Path(env["OFFICEACTIONS_DATA_DIR"]) / "officeactions.sqlite3") as c:
            c.execute(sql)


def test_migrate_demo_and_audit_verify_as_a_user_would(cli_env):
    run(cli_env, "migrate", "--no-input")
    out = run(cli_env, "demo").stdout
    assert "Loaded 30 demo cases and 4 public requests." in out
    for login in ("alice", "carol", "dave", "grace", "heidi"):
        assert login in out
    assert "password for all" in out
    again = run(cli_env, "demo").stdout
    assert "already present" in again

    rows = [line.split() for line in run(cli_env, "shell", "-c", SHOW_STATES).stdout.splitlines()]
    rows = [r for r in rows if len(r) == 3 and r[0] == "case"]
    kinds, seen_states = {r[1] for r in rows}, {r[2] for r in rows}
    assert len(kinds) >= 8
    assert {"received", "investigating", "in_review", "approved", "declined"} <= seen_states

    verified = run(cli_env, "audit", "verify").stdout
    assert "Audit log intact" in verified

    # The demo published last half year's report; the command line publishes it again.
    report = run(cli_env, "report", "2026H1", "--out", str(Path(cli_env["OFFICEACTIONS_DATA_DIR"])))
    folder = Path(report.stdout.rsplit(" ", 1)[-1].strip())
    assert sorted(p.suffix for p in folder.glob("transparency-report-2026H1.*")) == [
        ".csv",
        ".json",
        ".pdf",
    ]
    refused = run(cli_env, "report", "2099H1", check=False)
    assert refused.returncode != 0 and "in the future" in refused.stderr

    tamper(cli_env, "UPDATE audit_auditentry SET reason = 'rewritten' WHERE seq = 7")
    broken = run(cli_env, "audit", "verify", check=False)
    assert broken.returncode != 0
    assert "entry #7" in broken.stderr
    assert "was altered" in broken.stderr

    tamper(cli_env, "DELETE FROM audit_auditentry WHERE seq = 3")
    broken = run(cli_env, "audit", "verify", check=False)
    assert "entry #3 is missing" in broken.stderr


SHOW_STATES = (
    "from officeactions.cases.models import Case\n"
    "for kind, state in Case.objects.values_list('kind', 'state'): print('case', kind, state)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_the_given_address(cli_env):
    run(cli_env, "migrate", "--no-input")
    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", f"127.0.0.1:{port}", "--noreload"],
        env={**cli_env, "OFFICEACTIONS_ALLOWED_HOSTS": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert page.status == 200
        assert b"Staff login" in page.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_roles_command_grants_and_lists(cli_env):
    run(cli_env, "migrate", "--no-input")
    run(
        cli_env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_user('zoe', password='x')",
    )
    run(cli_env, "roles", "grant", "zoe", "legal_counsel")
    assert "legal_counsel" in run(cli_env, "roles", "list").stdout
    bad = run(cli_env, "roles", "grant", "nobody", "reviewer", check=False)
    assert bad.returncode != 0
    assert "No user named 'nobody'" in bad.stderr
    assert "Audit log intact" in run(cli_env, "audit", "verify").stdout
