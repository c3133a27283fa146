"""One CLI shape for yearly input series by municipality (``polku <series> import FILE``), all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.core.errors import ValidationFailed


class SeriesImportCommand(BaseCommand):
    saved: ClassVar[str]  # Finnish message with {count}

    def import_series(self, data: bytes) -> int:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser("import")
        imported.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = self.import_series(options["file"].read_bytes())
        except ValidationFailed as failure:
            raise CommandError("\n".join(f"{e.field}: {e.message}" for e in failure.errors)) from None
        except OSError as error:
            raise CommandError(f"file: {error.strerror}") from None
        self.stdout.write(self.saved.format(count=count))
