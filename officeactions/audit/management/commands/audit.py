from django.core.management.base import BaseCommand, CommandError

from officeactions.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and names the first break."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        report = audit_verify()
        if report.intact:
            self.stdout.write(f"Audit log intact: {report.entries} entries, chain verified.")
            return
        raise CommandError(
            f"Audit log BROKEN: {report.problem}. {report.entries} entries before it verified."
        )
