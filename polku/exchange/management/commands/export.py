"""``polku export --scope S --out DIR [--format csv|jsonl|parquet] --user U``: the scope's facts in the exchange format."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from polku.access.commands import PersonFactCommand
from polku.access.models import AccessChannel
from polku.exchange.services import export_now


class Command(PersonFactCommand):
    help = "Vie alueen tai kunnan tiedot siirtomuodossa (polku-exchange), tiedosto tietolajia kohden."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="Hakemisto, johon tiedostot kirjoitetaan.")
        parser.add_argument("--scope", default="", help="Alue tai kuntanumero (tyhjä: oma alue; pääkäyttäjä: kaikki).")
        parser.add_argument("--format", default="csv", choices=["csv", "jsonl", "parquet"])
        parser.add_argument("--user", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        options["user"] = options["user"] or os.environ.get("POLKU_USER")
        user = self.acting_user(options)
        run, written = export_now(user=user, out_dir=Path(options["out"]), scope_code=options["scope"] or None,
                                  kind=options["format"], channel=AccessChannel.CLI)
        if options["json"]:
            self.stdout.write(json.dumps({"run": str(run.id), "files": [{"entity": f.entity, "path": str(f.path),
                                                                          "rows": f.rows} for f in written]}))
            return
        for f in written:
            self.stdout.write(f"{f.path}: {f.rows} riviä")
