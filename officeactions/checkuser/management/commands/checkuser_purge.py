from django.core.management.base import BaseCommand

from officeactions.checkuser.services import checkuser_purge


class Command(BaseCommand):
    help = "Purge CheckUser results held past the retention period (the worker also does this)."

    def handle(self, *args, **options) -> None:
        count = checkuser_purge()
        self.stdout.write(f"{count} CheckUser result(s) purged.")
