"""Staff sign-in with two factors, lock-out after failed attempts, hashed API tokens,
security headers, and the production settings passing Django's deployment check."""

import os
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from officeactions.accounts.models import ApiToken
from officeactions.audit.models import AuditEntry
from tests.helpers import authenticator, sign_in, totp_code

ROOT = Path(__file__).resolve().parent.parent


def password_only(user) -> Client:
    client = Client()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-" + user.username}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor"))
    return client


def test_a_password_alone_opens_no_staff_page_and_no_api(people):
    client = password_only(people["agent"])
    cases = client.get(reverse("cases:list"))
    assert cases.status_code == 302 and reverse("login") in cases["Location"]
    # The login page sends a half-signed-in person on to the second factor.
    assert client.get(cases["Location"])["Location"].startswith(reverse("two-factor"))
    assert client.get("/api/cases/").status_code in (401, 403)
    assert client.get(reverse("api-tokens")).status_code == 302


def test_first_sign_in_sets_up_the_authenticator_and_shows_recovery_codes_once(people):
    user = people["agent"]
    client = password_only(user)
    page = client.get(reverse("two-factor"))
    assert b"Set up two-factor sign-in" in page.content
    assert b"data:image/svg+xml" in page.content  # the QR code, drawn for the app to scan
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("two-factor"), {"token": "000000"})
    assert wrong.status_code == 400 and b"does not match" in wrong.content
    assert client.get(reverse("cases:list")).status_code == 302

    done = client.post(reverse("two-factor"), {"token": totp_code(device), "next": "/cases/"})
    codes = re.findall(r"<li><code>([0-9a-f]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEntry.objects.filter(action="account.two_factor_enabled").exists()
    # A recovery code signs in once, and only once.
    again = password_only(user)
    assert again.post(reverse("two-factor"), {"token": codes[0]}).status_code == 302
    assert again.get(reverse("cases:list")).status_code == 200
    third = password_only(user)
    refused = third.post(reverse("two-factor"), {"token": codes[0]})
    assert refused.status_code == 200 and b"not accepted" in refused.content
    assert third.get(reverse("cases:list")).status_code == 302


def test_repeated_failures_lock_the_sign_in_even_with_the_right_password(people):
    user = people["agent"]
    for _ in range(5):
        Client().post(reverse("login"), {"username": user.username, "password": "wrong"})
    locked = Client().post(
        reverse("login"), {"username": user.username, "password": "pw-" + user.username}
    )
    assert locked.status_code == 429 and b"locked" in locked.content
    # Another person at the same address is not locked out.
    other = people["reviewer1"]
    assert password_only(other)


def test_wrong_second_factor_codes_count_toward_the_lock_out(people):
    user = people["agent"]
    authenticator(user)
    client = password_only(user)
    for _ in range(5):
        client.post(reverse("two-factor"), {"token": "123456"})
    locked = Client().post(
        reverse("login"), {"username": user.username, "password": "pw-" + user.username}
    )
    assert locked.status_code == 429


def test_an_api_token_is_shown_once_stored_hashed_and_revocable(people):
    client = sign_in(Client(), people["agent"])
    page = client.post(reverse("api-tokens"), {"name": "wiki bot"})
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page.content.decode()).group(1)
    assert secret.startswith("oa_") and len(secret) > 40
    assert secret not in client.get(reverse("api-tokens")).content.decode()  # only that once
    token = ApiToken.objects.get(name="wiki bot")
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert secret not in stored and token.key_hash != secret

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/cases/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    # Nobody else revokes it; its owner does, and it stops working at once.
    other = sign_in(Client(), people["reviewer1"])
    assert other.post(reverse("api-tokens"), {"revoke": token.pk}).status_code == 404
    client.post(reverse("api-tokens"), {"revoke": token.pk})
    assert api.get("/api/cases/").status_code == 401
    assert AuditEntry.objects.filter(action="account.api_token_revoked").count() == 1


def test_a_token_of_a_deactivated_account_stops_working(people):
    user = people["agent"]
    call_command("token", "create", user.username, "script")
    token = ApiToken.objects.get(user=user)
    user.is_active = False
    user.save()
    assert token.active
    api = APIClient()
    from officeactions.accounts.services import api_token_create

    _, secret = api_token_create(user=user, name="another")
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/cases/").status_code == 401


def test_the_token_and_two_factor_commands(people, capsys):
    user = people["agent"]
    call_command("token", "create", user.username, "nightly export")
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/cases/").status_code == 200
    token = ApiToken.objects.get(name="nightly export")
    call_command("token", "list", user.username)
    assert "nightly export" in capsys.readouterr().out and secret not in out.split("\n")[0]
    with pytest.raises(CommandError):
        call_command("token", "revoke", str(token.pk))  # a reason is required
    call_command("token", "revoke", str(token.pk), "--reason", "leaked in a log")
    assert api.get("/api/cases/").status_code == 401

    authenticator(user)
    with pytest.raises(CommandError, match="reason"):
        call_command("two_factor", "reset", user.username)
    call_command("two_factor", "reset", user.username, "--reason", "lost phone")
    assert not TOTPDevice.objects.filter(user=user).exists()
    with pytest.raises(CommandError, match="development mode"):
        call_command("two_factor", "code", user.username)


def test_pages_carry_the_security_headers_and_nothing_inline(people):
    client = sign_in(Client(), people["agent"])
    for url in ("/request/", "/transparency/office-actions/", "/cases/", reverse("api-tokens")):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"
        html = response.content.decode()
        # The policy allows no inline code or style: the pages must not need any.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url
    # Swagger UI needs its inline styles (and nothing else inline).
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "script-src 'self';" in docs["Content-Security-Policy"] + ";"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_sent_to_https_in_production(db):
    response = Client().get("/request/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_the_production_settings_pass_the_deployment_check():
    env = {
        **os.environ,
        "OFFICEACTIONS_DEBUG": "false",
        "OFFICEACTIONS_SECRET_KEY": secrets.token_urlsafe(50),
        "OFFICEACTIONS_ALLOWED_HOSTS": "desk.example.org",
        "OFFICEACTIONS_EMAIL_HOST": "smtp.example.org",
    }
    env.pop("PYTEST_VERSION", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it for this process only
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "officeactions"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_pages_own_stylesheet_and_script_are_served(db):
    page = Client().get("/request/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"desk.css", "htmx.min.js"}
    for asset in assets:
        response = Client().get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content)  # not empty
