from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from officeactions.backup.services import backup_create
from officeactions.errors import ApplicationError


class Command(BaseCommand):
    help = "Write the database and the uploaded files to one archive (restore with `restore`)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="archive to write (default: var/backups/<time>.tar.gz)"
        )

    def handle(self, *args, path=None, **options):
        from django.conf import settings

        if path is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            path = Path(settings.DATA_DIR) / "backups" / f"officeactions-{stamp}.tar.gz"
        try:
            report = backup_create(Path(path))
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Backup written to {report.path}: {report.rows} rows, {report.files} uploaded "
            f"files, audit log of {report.audit_entries} entries."
        )
