"""``polku programme import FILE`` (a programme's JSON, whole or not at all) and ``polku programme progress CODE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from polku.core.errors import ValidationFailed
from polku.kpi.models import Programme
from polku.kpi.programme import programme_import
from polku.kpi.programme_figures import progress_for


class Command(BaseCommand):
    help = "Import an employment programme (JSON) or show its progress."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser("import")
        imported.add_argument("file", type=Path)
        progress = sub.add_parser("progress")
        progress.add_argument("code")
        progress.add_argument("--year", type=int)
        progress.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            try:
                programme = programme_import(options["file"].read_bytes())
            except ValidationFailed as failure:
                raise CommandError("\n".join(f"{e.field}: {e.message}" for e in failure.errors)) from None
            except OSError as error:
                raise CommandError(f"file: {error.strerror}") from None
            self.stdout.write(f"Ohjelma tallennettu: {programme.code} ({programme.name_fi}).")
            return
        found = Programme.objects.filter(code=options["code"]).first()
        if found is None:
            raise CommandError(f"code: tuntematon ohjelma {options['code']!r}.")
        year = options["year"] or timezone.localdate().year
        rows = progress_for(found, year)
        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(f"{row.progress.status:<10} {row.progress.label:<55} {row.progress.actual!s:>12}")
