from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from officeactions.accounts.roles import role_grant, role_revoke, user_roles
from officeactions.audit.services import audit_append
from officeactions.policy import Role


class Command(BaseCommand):
    help = "List, grant or revoke a staff member's roles: roles list | roles grant USER ROLE"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "grant", "revoke"])
        parser.add_argument("username", nargs="?")
        parser.add_argument("role", nargs="?", choices=[r.value for r in Role])

    def handle(self, *args, action, username=None, role=None, **options):
        User = get_user_model()
        if action == "list":
            for user in User.objects.order_by("username").prefetch_related("groups"):
                roles = ", ".join(sorted(r.value for r in user_roles(user))) or "-"
                self.stdout.write(f"{user.username:20} {roles}")
            return
        if not username or not role:
            raise CommandError(f"roles {action} needs a USERNAME and a ROLE")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}") from None
        change = role_grant if action == "grant" else role_revoke
        change(user=user, role=Role(role))
        audit_append(
            actor=None,
            action=f"role.{action}",
            object_type="user",
            object_id=str(user.pk),
            data={"username": user.username, "role": role},
        )
        self.stdout.write(f"{action}ed {role} {'to' if action == 'grant' else 'from'} {username}")
