import json

from django.core.management.base import BaseCommand, CommandError

from officeactions.bancheck.services import build_index
from officeactions.bancheck.services import check as ban_check
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Is this account or IP address banned? `officeactions check NAME ADDR` (a '-' for "
        "either one leaves it out). Exit status 0: nothing applies; 1: banned; 2: bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="a username, or - for none")
        parser.add_argument("ip", nargs="?", default="-", help="an IP address, or - for none")
        parser.add_argument("--wiki", help="the wiki's database name, e.g. enwiki")
        parser.add_argument("--event", type=int, help="an event id (event bans)")
        parser.add_argument("--json", action="store_true", help="print the API's JSON answer")

    def handle(self, *args, **options):
        build_index()  # fails early and plainly if the database is not migrated
        user = None if options["user"] == "-" else options["user"]
        ip = None if options["ip"] == "-" else options["ip"]
        try:
            result = ban_check(user, ip, wiki=options["wiki"], event=options["event"])
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        answer = result.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(answer, indent=2))
        elif not result.banned:
            self.stdout.write(f"Not banned: {_who(answer)}.")
        else:
            self.stdout.write(f"BANNED: {_who(answer)}.")
            for m in answer["matches"]:
                target = f" {m['target']}" if m["target"] else ""
                until = f", until {m['expires_at']}" if m["expires_at"] else ""
                self.stdout.write(
                    f"  {m['action_name']} {m['reference']}: {m['block']}{target}{until}"
                )
        if result.banned:
            raise SystemExit(1)


def _who(answer: dict) -> str:
    return " and ".join(
        f"{label} {answer[key]}"
        for key, label in (("user", "user"), ("ip", "address"))
        if answer[key]
    )
