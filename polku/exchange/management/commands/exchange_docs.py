"""``polku exchange_docs [--check] [--samples-as xlsx|jsonl|parquet --out DIR]``: the exchange format's generated files.

Writes ``docs/exchange-format.md`` and ``polku/exchange/samples/*.csv`` from the schemas and profiles. With
``--check`` nothing is written: the command exits with status 1, naming the files, when the committed copies differ
from what the schemas generate. ``--samples-as`` writes the sample data set in another format into ``--out``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.exchange import docs


class Command(BaseCommand):
    help = "Tuottaa siirtomuodon kuvauksen ja esimerkkiaineiston skeemoista; --check tarkistaa, ovatko ne ajan tasalla."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Älä kirjoita: poistu tilalla 1, jos tiedostot ovat vanhoja.")
        parser.add_argument("--docs-dir", default=None, help="Kuvauksen hakemisto (oletus: docs/).")
        parser.add_argument("--samples-as", default=None, choices=sorted(docs.SAMPLE_FORMATS),
                            help="Kirjoita esimerkkiaineisto tässä muodossa hakemistoon --out.")
        parser.add_argument("--out", default=None, help="Hakemisto, johon --samples-as kirjoittaa.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["samples_as"]:
            if not options["out"]:
                raise CommandError("--out: anna hakemisto, johon esimerkkiaineisto kirjoitetaan.")
            for path in docs.sample_files(Path(options["out"]), options["samples_as"]):
                self.stdout.write(str(path))
            return
        docs_dir = Path(options["docs_dir"]) if options["docs_dir"] else Path(settings.BASE_DIR) / "docs"
        if options["check"]:
            stale = docs.stale_files(docs_dir)
            for path in stale:
                self.stderr.write(f"{path}: ei vastaa skeemoja (aja polku exchange_docs)")
            if stale:
                raise SystemExit(1)
            self.stdout.write("Siirtomuodon kuvaus ja esimerkkiaineisto ovat ajan tasalla.")
            return
        changed = docs.write_generated(docs_dir)
        for path in changed:
            self.stdout.write(f"kirjoitettu: {path}")
        if not changed:
            self.stdout.write("Ei muutoksia.")
