"""Staff sign-in: two-factor devices and recovery codes, and API tokens. Each step audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from officeactions.accounts.models import ApiToken
from officeactions.audit.services import audit_append
from officeactions.errors import InvalidInput, NotFound, StepRefused

RECOVERY_CODES = 10
TOKEN_PREFIX = "oa_"  # noqa: S105  (a marker, not a secret)
_LAST_USED_GRANULARITY = timedelta(minutes=1)  # spares a write on every API call


def _audit(actor: AbstractBaseUser | None, action: str, user: AbstractBaseUser, **data) -> None:
    audit_append(
        actor=actor, action=action, object_type="user", object_id=user.get_username(), data=data
    )


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_setup_begin(*, user: User) -> TOTPDevice:
    """The device a person is about to add to their authenticator app (kept until confirmed)."""
    if has_two_factor(user):
        raise StepRefused("Two-factor sign-in is already set up for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_setup_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the new device with a code from the app; returns it and fresh recovery codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise StepRefused("Start the set-up again: there is no device waiting to be confirmed.")
    if not device.verify_token(_digits(token)):
        raise InvalidInput("That code does not match. Check the time on your phone and retry.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _audit(user, "account.two_factor_enabled", user)
    return device, codes


def _digits(token: str) -> str:
    return "".join((token or "").split())


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    if not has_two_factor(user):
        raise StepRefused("Set up two-factor sign-in first.")
    codes = _new_recovery_codes(user)
    _audit(user, "account.recovery_codes_renewed", user)
    return codes


def two_factor_verify(*, user: User, token: str):
    """The device that accepts this code: the authenticator app (six digits) or, once each,
    a recovery code. None when nothing accepts it (devices throttle repeated failures)."""
    token = _digits(token)
    if not token or len(token) > 20:
        return None
    if token.isdigit() and len(token) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_is_allowed()[0] and device.verify_token(token):
            if isinstance(device, StaticDevice):
                _audit(user, "account.recovery_code_used", user, left=device.token_set.count())
            return device
    return None


@transaction.atomic
def two_factor_reset(*, user: User, actor: AbstractBaseUser | None, reason: str) -> None:
    """For a person who lost their phone and their codes: they set it up again at next login."""
    if not reason.strip():
        raise InvalidInput("A reason is required to reset someone's two-factor sign-in.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_append(
        actor=actor,
        action="account.two_factor_reset",
        object_type="user",
        object_id=user.get_username(),
        reason=reason,
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the secret is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the token (what it is for), in at most 100 characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], key_hash=_hash(secret)
    )
    _audit(user, "account.api_token_created", user, token=token.pk, name=name)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token_id: int, actor: User) -> ApiToken:
    """A person revokes their own tokens; nobody else's (an admin uses the command)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound("No such token of yours.")
    if token.revoked_at is not None:
        raise StepRefused("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _audit(actor, "account.api_token_revoked", token.user, token=token.pk, name=token.name)
    return token


def api_token_user(secret: str) -> tuple[User, ApiToken] | None:
    """Who a presented secret belongs to, if it is a live token of an active account."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
