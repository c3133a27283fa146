"""``polku population import FILE``: residents per municipality and year (columns municipality;year;residents;source)."""

from __future__ import annotations

from polku.reference.management.series_command import SeriesImportCommand
from polku.reference.services import population_import


class Command(SeriesImportCommand):
    help = "Import residents per municipality and year (all rows or none)."
    saved = "Asukasluvut tallennettu: {count} riviä."

    def import_series(self, data: bytes) -> int:
        return population_import(data)
