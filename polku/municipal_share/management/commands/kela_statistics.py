"""``polku kela_statistics import FILE --user NAME``: Kela's open statistics of municipally co-funded
unemployment benefits (CSV from the open-data portal) as a comparison series for the municipal share.

All or nothing: a file with any bad row is refused, one ``rivi N: sarake: syy`` line per problem, exit
status 1, nothing written. Administrators and the data steward (tietopalvelu) may import.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand
from polku.municipal_share.kela_statistics import statistics_import

DEFAULT_SOURCE = "Kela, avoin data: Kunnan osarahoittaman työttömyysturvan saajat ja maksetut etuudet"


class Command(PersonFactCommand):
    help = "Import Kela's open statistics of municipally co-funded unemployment benefits (CSV), all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = self.subcommand(sub, "import", "Validate and store a statistics file.")
        add.add_argument("file", help="CSV: semicolons or commas, decimal commas, UTF-8 or Windows-1252.")
        add.add_argument("--source", default=DEFAULT_SOURCE, help="Where the file came from (shown with the figures).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"file: tiedostoa ei voi lukea: {error.strerror}") from None
        record = statistics_import(data=data, file_name=path.name, user=user, source=options["source"])
        result = {"id": record.pk, "file_name": record.file_name, "rows": record.row_count,
                  "skipped_rows": record.skipped_rows, "example": record.example, "encoding": record.encoding,
                  "imported_at": record.imported_at.isoformat()}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(
                f"Kelan tilasto tallennettu: {record.row_count} lukua ({record.file_name}, {record.encoding})"
                + (f", ohitettu {record.skipped_rows} kertymäluokan tai koko maan riviä" if record.skipped_rows else "")
                + (" — ESIMERKKIAINEISTO, ei Kelan lukuja." if record.example else "."))
