from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from officeactions.accounts import services
from officeactions.accounts.models import ApiToken
from officeactions.audit.services import audit_append
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "API tokens: `token create USER NAME` (prints the secret once), `token list [USER]`, "
        "`token revoke ID --reason TEXT`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("name")
        listing = sub.add_parser("list")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("id", type=int)
        revoke.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def _user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No staff account {username!r}.")
        return user

    def _create(self, username, name, **_):
        token, secret = services.api_token_create(user=self._user(username), name=name)
        self.stdout.write(f"Token {token.pk} for {username} ({name}); shown only now:\n{secret}")

    def _list(self, username=None, **_):
        tokens = ApiToken.objects.select_related("user")
        if username:
            tokens = tokens.filter(user=self._user(username))
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            self.stdout.write(f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{state}")

    @transaction.atomic
    def _revoke(self, id, reason, **_):
        token = ApiToken.objects.select_for_update().select_related("user").filter(pk=id).first()
        if token is None:
            raise CommandError(f"No token {id}.")
        if token.revoked_at:
            raise CommandError(f"Token {id} is already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_append(
            actor=None,
            action="account.api_token_revoked",
            object_type="user",
            object_id=token.user.username,
            reason=reason,
            data={"token": token.pk, "name": token.name},
        )
        self.stdout.write(f"Token {id} of {token.user.username} revoked.")
