from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from officeactions.accounts import services
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Two-factor sign-in: `two_factor reset USER --reason TEXT` (lost phone and codes: set up "
        "again at next sign-in; audited); `two_factor code USER` prints the current code, in "
        "development mode only (for the demo staff)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reset", "code"])
        parser.add_argument("username")
        parser.add_argument("--reason", default="")

    def handle(self, *args, action, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No staff account {username!r}.")
        if action == "reset":
            try:
                services.two_factor_reset(user=user, actor=None, reason=reason)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"Two-factor sign-in of {username} reset; set up at next sign-in.")
            return
        if not settings.DEBUG:
            raise CommandError("`two_factor code` works in development mode only.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has not set up two-factor sign-in.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
