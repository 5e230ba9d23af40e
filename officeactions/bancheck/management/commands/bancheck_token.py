from django.core.management.base import BaseCommand, CommandError

from officeactions.bancheck.services import check_token_issue
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "A token for a wiki or login hook to call GET /api/check with (only that): "
        "`officeactions bancheck_token enwiki` prints it. Running it again prints the same one."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="who will use it, e.g. enwiki or login-hook")

    def handle(self, *args, **options):
        try:
            key = check_token_issue(name=options["name"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(key)
