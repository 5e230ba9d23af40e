"""officeactions report 2026H1: publish the half-yearly report and write CSV, JSON and PDF."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from officeactions.errors import ApplicationError
from officeactions.transparency.exports import report_csv, report_pdf
from officeactions.transparency.services import report_publish


class Command(BaseCommand):
    help = "Generate and publish the transparency report for an ended half year (e.g. 2026H1)."

    def add_arguments(self, parser):
        parser.add_argument("period", help="e.g. 2026H1 (January-June) or 2026H2")
        parser.add_argument("--out", help="Folder for the files (default: var/reports/PERIOD)")
        parser.add_argument("--user", help="Publish as this staff login (default: system)")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            report = report_publish(period=options["period"], actor=actor)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        folder = Path(options["out"] or Path(settings.DATA_DIR) / "reports" / report.period)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"transparency-report-{report.period}"
        (folder / f"{name}.csv").write_text(report_csv(report.figures), encoding="utf-8")
        (folder / f"{name}.json").write_text(
            json.dumps(report.figures, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        (folder / f"{name}.pdf").write_bytes(report_pdf(report.figures))
        self.stdout.write(f"Published {report.period}; files in {folder.resolve()}")
