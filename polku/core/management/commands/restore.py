"""``polku restore FILE [--replace]``: load a ``polku backup`` file (see ``polku.core.backup``).

Refuses a database that already holds data (beyond what the migrations seed) unless ``--replace`` is given; then
every table is replaced, in one transaction.
"""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.core.backup import BackupError, restore_from_file

log = logging.getLogger("polku.ops")


class Command(BaseCommand):
    help = "Palauttaa polku backup -varmuuskopion tyhjään tietokantaan (--replace: korvaa olemassa olevat tiedot)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="polku backup -komennon kirjoittama tiedosto")
        parser.add_argument("--replace", action="store_true",
                            help="korvaa tietokannan kaikki tiedot varmuuskopion tiedoilla")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: tiedostoa ei ole")
        try:
            report = restore_from_file(path, replace=options["replace"], using=options["database"])
        except (BackupError, OSError, EOFError, ValueError) as error:
            raise CommandError(f"{path}: {error}") from None
        cache.clear()  # cached figures were computed from the data just replaced
        log.info("backup restored: %s, %d tables, %d rows, by os:%s", path, len(report.tables), report.rows,
                 getpass.getuser())
        note = ""
        if report.schema_prepared:
            note = " (taulut luotiin ensin varmuuskopion migraatioiden mukaisiksi)"
        if report.migrated_forward:
            note += " (varmuuskopio tehtiin vanhemmalla versiolla: tietokanta migroitiin nykyiseen)"
        self.stdout.write(f"Palautettu: {path} ({len(report.tables)} taulua, {report.rows} riviä){note}.")
