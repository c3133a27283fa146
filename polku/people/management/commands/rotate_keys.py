"""``polku rotate-keys``: re-encrypt the identity codes under the newest key and re-hash them under the current
look-up key, a batch of persons per transaction (``polku.people.key_rotation``; README, "Operations").

``--check`` only reports what is left: when it says nothing, the old keys can be removed from
``POLKU_PERSONAL_ID_ENCRYPTION_KEYS``.
"""

from __future__ import annotations

import getpass
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.people import key_rotation
from polku.people.personal_id import encryption_keys

log = logging.getLogger("polku.ops")
MAX_PASSES = 3


class Command(BaseCommand):
    verbosity = 1
    help = ("Salaa henkilötunnukset uudelleen uusimmalla avaimella ja laskee hakutunnisteet nykyisellä avaimella "
            "(erissä, yksi transaktio erää kohden).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=key_rotation.BATCH_SIZE,
                            help="henkilöitä yhdessä transaktiossa")
        parser.add_argument("--check", action="store_true", help="vain raportoi, mitä on vielä tekemättä")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size: vähintään 1")
        self.verbosity = int(options["verbosity"])
        try:
            if options["check"]:
                self._report(key_rotation.status(batch_size=options["batch_size"]))
                return
            total = key_rotation.RotationReport()
            for _ in range(MAX_PASSES):  # a concurrent save may write a row back under an old key: go again
                report = key_rotation.rotate(batch_size=options["batch_size"], progress=self._progress)
                total.reencrypted += report.reencrypted
                total.rehashed += report.rehashed
                total.invoice_lines_rehashed += report.invoice_lines_rehashed
                total.persons = report.persons
                if not report.changed:
                    break
            status = key_rotation.status(batch_size=options["batch_size"])
        except key_rotation.RotationError as error:
            raise CommandError(str(error)) from None
        log.info("identity-code keys rotated: %d re-encrypted, %d re-hashed, %d invoice lines, by os:%s",
                 total.reencrypted, total.rehashed, total.invoice_lines_rehashed, getpass.getuser())
        self.stdout.write(f"Henkilöitä {total.persons}: salattu uudelleen {total.reencrypted}, hakutunniste laskettu "
                          f"uudelleen {total.rehashed} (Kelan laskurivejä {total.invoice_lines_rehashed}).")
        self._report(status)

    def _progress(self, report: key_rotation.RotationReport) -> None:
        if self.verbosity >= 2:
            self.stdout.write(f"  erä {report.batches}: {report.persons} henkilöä käsitelty")

    def _report(self, status: key_rotation.KeyStatus) -> None:
        keys = len(encryption_keys())
        self.stdout.write(f"Henkilöitä {status.persons}; vanhalla avaimella salattuja {status.under_old_key}; "
                          f"vanhentuneita hakutunnisteita {status.stale_hash}; avaimia käytössä {keys}.")
        if status.unlinked_invoice_lines:
            self.stdout.write(f"Kelan laskurivejä ilman henkilöä {status.unlinked_invoice_lines}: niiden tunnisteita "
                              "ei voi laskea uudelleen (tunnusta ei ole tallennettu).")
        if status.done and keys > 1:
            self.stdout.write("Valmis: vanhat avaimet voi poistaa POLKU_PERSONAL_ID_ENCRYPTION_KEYS-listasta.")
        elif not status.done:
            self.stdout.write("Kesken: aja polku rotate-keys uudelleen.")
