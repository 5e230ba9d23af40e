from django.core.management.base import BaseCommand

from officeactions.enforcement.watch import revert_watch_run


class Command(BaseCommand):
    help = "Read each wiki's log once for changes to office actions by anyone else."

    def add_arguments(self, parser):
        parser.add_argument("--no-reapply", action="store_true", help="record, do not re-apply")

    def handle(self, *args, no_reapply=False, **options):
        incidents = revert_watch_run(reapply=not no_reapply)
        for i in incidents:
            self.stdout.write(
                f"{i.case.reference}: {i.change} of {i.operation.target} on {i.wiki} "
                f"by {i.wiki_user} ({'re-applied' if i.reapplied else 'not re-applied'})"
            )
        self.stdout.write(f"{len(incidents)} incidents.")
