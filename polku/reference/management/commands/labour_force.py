"""``polku labour_force import FILE``: labour force per municipality and year (municipality;year;persons;source)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.core.errors import ValidationFailed
from polku.reference.services import labour_force_import


class Command(BaseCommand):
    help = "Import the labour force per municipality and year (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser("import")
        imported.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = labour_force_import(options["file"].read_bytes())
        except ValidationFailed as failure:
            raise CommandError("\n".join(f"{e.field}: {e.message}" for e in failure.errors)) from None
        except OSError as error:
            raise CommandError(f"file: {error.strerror}") from None
        self.stdout.write(f"Työvoimaluvut tallennettu: {count} riviä.")
