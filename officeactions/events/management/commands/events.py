from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from officeactions.errors import ApplicationError
from officeactions.events import organisers, services
from officeactions.events.models import Event, EventBanScope, OrganiserDesignation
from officeactions.policy.workflow import CaseState


class Command(BaseCommand):
    help = (
        "Events and organiser access: events list | events revoke DESIGNATION --as USER "
        "--reason TEXT | events expire"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "revoke", "expire"])
        parser.add_argument("designation", nargs="?", type=int)
        parser.add_argument("--as", dest="actor", help="the Trust & Safety staff member acting")
        parser.add_argument("--reason", default="")

    def handle(self, *args, action, designation=None, actor=None, reason="", **options):
        if action == "list":
            self._list()
        elif action == "revoke":
            self._revoke(designation, actor, reason)
        else:
            self._expire()

    def _list(self) -> None:
        """Events and who may read their lists; never who is on them."""
        today = services.today()
        for event in Event.objects.prefetch_related("designations__organiser"):
            self.stdout.write(
                f"event {event.pk}: {event.name} ({event.city}, {event.country}, "
                f"{event.starts_on} to {event.ends_on})"
            )
            for d in event.designations.all():
                if d.revoked_at:
                    status = f"revoked {d.revoked_at:%Y-%m-%d}"
                elif d.active_on(today):
                    status = "active"
                else:
                    status = "not in its period"
                self.stdout.write(
                    f"  designation {d.pk}: {d.organiser.get_username()} "
                    f"{d.valid_from} to {d.valid_until}, {status}"
                )

    def _revoke(self, pk: int | None, actor: str | None, reason: str) -> None:
        if pk is None or not actor:
            raise CommandError("events revoke needs a DESIGNATION id and --as USER")
        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"No user named {actor!r}")
        designation = OrganiserDesignation.objects.filter(pk=pk).first()
        if designation is None:
            raise CommandError(f"No designation {pk}")
        try:
            organisers.organiser_revoke(designation=designation, actor=user, reason=reason)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"revoked designation {pk} ({designation.organiser.get_username()})")

    def _expire(self) -> None:
        """What the worker does after each ban's last day, for any it missed."""
        due = EventBanScope.objects.filter(
            case__state=CaseState.IN_EFFECT, until__lt=services.today()
        ).values_list("case_id", flat=True)
        done = [cid for cid in due if services.event_ban_expire(case_id=cid) == "expired"]
        self.stdout.write(f"{len(done)} event bans expired")
