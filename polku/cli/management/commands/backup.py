"""``polku backup FILE``: every table in one consistent, portable file (see ``polku.core.backup``).

The file holds personal data (identity codes encrypted, names, the whole history): it is created readable by its
owner only; keep it encrypted and access-controlled wherever it is stored (README, "Operations"). Like ``dumpdata`` it
passes by the access policy, so only an administrator or a named system account may make one, and it is one
``cli_backup`` event of the access log (the whole register, not a row per person: a nightly backup would otherwise
write a million rows a night).
"""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_event
from polku.cli.management.commands.dumpdata import require_maintenance_operator
from polku.core.backup import backup_to_file

log = logging.getLogger("polku.ops")


class Command(BaseCommand):
    help = "Varmuuskopioi koko tietokannan yhteen tiedostoon (gzip-pakattu JSON, SQLite ja PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="kirjoitettava tiedosto, esim. polku-2026-12-03.json.gz (ei saa olla olemassa)")
        parser.add_argument("--database", default="default")
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="pääkäyttäjä tai nimetty järjestelmätili, jona varmuuskopio tehdään (oletus $POLKU_USER)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = require_maintenance_operator(options["user"], "backup")
        path = Path(options["file"])
        if path.exists():
            raise CommandError(f"{path}: tiedosto on jo olemassa; valitse uusi nimi")
        if not path.parent.is_dir():
            raise CommandError(f"{path}: hakemistoa {path.parent} ei ole")
        counts = backup_to_file(path, using=options["database"])
        # Logged once written (a refused or failed backup wrote nothing out), so the event is not in its own backup.
        log_event(user=user, action=AccessAction.CLI_BACKUP, purpose=f"varmuuskopio: {path.name}",
                  channel=AccessChannel.CLI)
        rows = sum(counts.values())
        log.info("backup written: %s, %d tables, %d rows, by os:%s", path, len(counts), rows, getpass.getuser())
        self.stdout.write(f"Varmuuskopio: {path} ({len(counts)} taulua, {rows} riviä). "
                          "Tiedostossa on henkilötietoja: säilytä se salattuna ja pääsy rajattuna.")
