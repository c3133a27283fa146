"""``polku labour_force import FILE``: labour force per municipality and year (municipality;year;persons;source)."""

from __future__ import annotations

from polku.reference.management.series_command import SeriesImportCommand
from polku.reference.services import labour_force_import


class Command(SeriesImportCommand):
    help = "Import the labour force per municipality and year (all rows or none)."
    saved = "Työvoimaluvut tallennettu: {count} riviä."

    def import_series(self, data: bytes) -> int:
        return labour_force_import(data)
