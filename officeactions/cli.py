"""The `officeactions` console script: Django's management commands, plus short names.

officeactions serve [ADDR:PORT]   run the web app (default 127.0.0.1:8000)
officeactions worker              run the background task worker
officeactions demo                load demo data and print the staff logins
officeactions audit verify        check the audit log's hash chain
officeactions check NAME [ADDR]   is this account or address banned? (`check` alone, or with
                                  an option first, e.g. `check --deploy`, is Django's check)
officeactions migrate | createsuperuser | ...   any other management command
"""

from __future__ import annotations

import os
import sys

from officeactions import periodic


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeactions.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        rest = args[1:]
        if not any(not a.startswith("-") for a in rest):
            rest.append("127.0.0.1:8000")
        args = ["runserver", *rest]
    elif args and args[0] == "check" and len(args) > 1 and not args[1].startswith("-"):
        args = ["bancheck", *args[1:]]
    elif args and args[0] == "worker":
        args = ["db_worker", *args[1:]]
    from django.core.management import execute_from_command_line

    if args and args[0] == "db_worker":
        import django

        django.setup()
        periodic.start()

    execute_from_command_line(["officeactions", *args])
    if args and args[0] == "migrate":
        # A database cache (OFFICEACTIONS_CACHE_URL=db://...) needs its table; else a no-op.
        execute_from_command_line(["officeactions", "createcachetable"])


if __name__ == "__main__":
    main()
