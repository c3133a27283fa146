"""``polku permissions_doc [--check]``: writes ``docs/permissions.md``, the permission matrix of the access policy.

With ``--check`` nothing is written: the command exits with status 1 when the committed copy differs from the
registry (``polku.access.policy.GRANTS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from polku.access import permissions_doc


class Command(BaseCommand):
    help = "Kirjoittaa käyttöoikeustaulukon (docs/permissions.md) käyttöoikeuspolitiikasta; --check tarkistaa sen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Älä kirjoita: poistu tilalla 1, jos taulukko on vanha.")
        parser.add_argument("--docs-dir", default=None, help="Hakemisto (oletus: docs/).")

    def handle(self, *args: Any, **options: Any) -> None:
        docs_dir = Path(options["docs_dir"]) if options["docs_dir"] else Path(settings.BASE_DIR) / "docs"
        if options["check"]:
            if permissions_doc.is_stale(docs_dir):
                self.stderr.write(f"{docs_dir / permissions_doc.DOC_NAME}: ei vastaa politiikkaa (aja polku permissions_doc)")
                raise SystemExit(1)
            self.stdout.write("Käyttöoikeustaulukko on ajan tasalla.")
            return
        changed = permissions_doc.write(docs_dir)
        self.stdout.write(f"kirjoitettu: {docs_dir / permissions_doc.DOC_NAME}" if changed else "Ei muutoksia.")
