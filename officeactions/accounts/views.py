"""Sign-in pages: password, then the second factor (set up on first sign-in); API tokens."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.middleware import is_verified

from officeactions.accounts import services
from officeactions.accounts.models import ApiToken
from officeactions.accounts.people import signed_in
from officeactions.errors import ApplicationError


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("home")


class LoginView(auth_views.LoginView):
    """The password; the second factor follows on its own page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_verified():
            return redirect(f"{reverse('two-factor')}?{urlencode({'next': _next(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return f"{reverse('two-factor')}?{urlencode({'next': super().get_success_url()})}"


@never_cache
def two_factor(request: HttpRequest) -> HttpResponse:
    """Give the second factor, or set it up when the account has none yet."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if is_verified(user):  # what OTPMiddleware's user.is_verified() answers
        return redirect(_next(request))
    if not services.has_two_factor(user):
        return _two_factor_setup(request)
    error = ""
    if request.method == "POST":
        device = services.two_factor_verify(user=user, token=request.POST.get("token", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        # Counted with failed passwords (django-axes), so guessing codes locks out too.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        error = "That code was not accepted. Use the current code, or one recovery code."
    return render(
        request, "accounts/two_factor.html", {"error": error, "next": _next(request)}, status=200
    )


def _two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    error = ""
    if request.method == "POST":
        try:
            device, codes = services.totp_setup_confirm(
                user=user, token=request.POST.get("token", "")
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            otp_login(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
    device = services.totp_setup_begin(user=user)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr": qr.svg_data_uri(scale=4),
            "secret": _base32(device),
            "error": error,
            "next": _next(request),
        },
        status=400 if error else 200,
    )


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


@login_required
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("api-tokens")
    try:
        codes = services.recovery_codes_renew(user=signed_in(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("api-tokens")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/"})


@login_required
@never_cache
def api_tokens(request: HttpRequest) -> HttpResponse:
    """A person's own API tokens: make one (its secret shown once), revoke one."""
    user = signed_in(request)
    secret, error, status = "", "", 200
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                services.api_token_revoke(token_id=_int(request.POST["revoke"]), actor=user)
                messages.success(request, "Token revoked.")
                return redirect("api-tokens")
            _, secret = services.api_token_create(user=user, name=request.POST.get("name", ""))
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    tokens = ApiToken.objects.filter(user=user)
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": tokens, "secret": secret, "error": error},
        status=status,
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
