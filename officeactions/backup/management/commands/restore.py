from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from officeactions.backup.services import backup_restore
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = "Restore an archive made by `backup` into an empty database (migrated first)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        call_command("migrate", verbosity=0)
        try:
            report = backup_restore(Path(path))
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Restored {report.rows} rows and {report.files} uploaded files from {report.path}; "
            f"audit log of {report.audit_entries} entries verified."
        )
