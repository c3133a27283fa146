"""``polku import check|run FILE… --profile P --mode full|delta --scope S --user U``: bulk import of registers.

``check`` is a dry run: it reads and checks everything and prints what an import would do, writing nothing.
``run`` imports all or nothing. Progress goes to standard error; the summary (or ``--json``) to standard output.
A refused import prints every problem as ``file:row: column: reason`` and exits with status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessChannel
from polku.exchange.labels import phase_label
from polku.exchange.models import ExchangeRun, ImportMode, RunStatus
from polku.exchange.profiles import DEFAULT_PROFILE
from polku.exchange.services import import_now


class Command(PersonFactCommand):
    help = "Tuo rekisteriaineiston (polku-exchange) kaikki tai ei mitään; check = kuivaharjoitus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "run"])
        parser.add_argument("files", nargs="+", help="CSV-, Excel-, Parquet- tai JSON Lines -tiedostot.")
        parser.add_argument("--profile", default=DEFAULT_PROFILE, help="Siirtoprofiili (nimi tai JSON-tiedosto).")
        parser.add_argument("--mode", default=ImportMode.DELTA, choices=ImportMode.values)
        parser.add_argument("--scope", default="", help="Alue tai kuntanumero (kokonaisaineistossa pakollinen).")
        parser.add_argument("--period-start", default=None, help="Kokonaisaineiston jakso alkaa (VVVV-KK-PP).")
        parser.add_argument("--period-end", default=None, help="Kokonaisaineiston jakso päättyy (VVVV-KK-PP).")
        parser.add_argument("--user", default=None, help="Käyttäjä, jonka nimissä tuodaan (tai POLKU_USER).")
        parser.add_argument("--errors-csv", default=None, help="Kirjoita virheluettelo tähän CSV-tiedostoon.")
        parser.add_argument("--no-progress", action="store_true", help="Älä näytä edistymispalkkia.")
        parser.add_argument("--json", action="store_true", help="Tulosta yhteenveto JSONina.")

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        options["user"] = options["user"] or os.environ.get("POLKU_USER")
        user = self.acting_user(options)
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"files: tiedostoa {name} ei ole.")
            files.append((path, path.name))
        period = None
        if options["period_start"] or options["period_end"]:
            if not (options["period_start"] and options["period_end"]):
                raise CommandError("--period-start: anna jakson alku ja loppu.")
            period = (parse_date(options["period_start"], "--period-start"), parse_date(options["period_end"],
                                                                                        "--period-end"))
        bar = tqdm(total=0, disable=options["no_progress"], file=sys.stderr, unit="riviä")

        def show(phase: str, done: int, total: int) -> None:
            bar.set_description(phase_label(phase))
            bar.total = max(total, 1)
            bar.n = min(done, bar.total)
            bar.refresh()

        try:
            run = import_now(user=user, files=files, profile=options["profile"], mode=options["mode"],
                             scope_code=options["scope"] or None, period=period, dry_run=options["action"] == "check",
                             channel=AccessChannel.CLI, on_progress=show)
        finally:
            bar.close()
        self._report(run, options)
        if run.status == RunStatus.REFUSED:
            raise SystemExit(1)

    def _report(self, run: ExchangeRun, options: dict[str, Any]) -> None:
        problems = list(run.problems.all())
        if options["errors_csv"]:
            from polku.exchange.presenters import problems_csv

            Path(options["errors_csv"]).write_text(problems_csv(problems), encoding="utf-8")
        if options["json"]:
            self.stdout.write(json.dumps({
                "run": str(run.id), "status": run.status, "dry_run": run.dry_run, "counts": run.counts,
                "files": run.files, "problems": [{"file": p.file, "row": p.row, "column": p.column, "code": p.code,
                                                  "message": p.message} for p in problems],
                "seconds": run.duration_seconds, "phase_seconds": run.phase_seconds}, ensure_ascii=False))
            return
        verdict = {str(RunStatus.DONE): "Kuivaharjoitus: mitään ei kirjoitettu." if run.dry_run else "Tuotu.",
                   str(RunStatus.REFUSED): f"Hylätty: {len(problems)} virhettä, mitään ei kirjoitettu."}.get(
            run.status, run.status)
        self.stdout.write(verdict)
        self.stdout.write(f"{'tietolaji':<24}{'uusia':>9}{'muuttui':>9}{'ennallaan':>11}{'poistui':>9}{'hylätty':>9}")
        for entity, c in run.counts.items():
            self.stdout.write(f"{entity:<24}{c['new']:>9}{c['changed']:>9}{c['unchanged']:>11}{c['retracted']:>9}"
                              f"{c['refused']:>9}")
        for p in problems[:200]:
            where = f"{p.file}:{p.row}" if p.row else p.file
            self.stderr.write(f"{where}: {p.column}: {p.message}" if p.column else f"{where}: {p.message}")
        if len(problems) > 200:
            self.stderr.write(f"… ja {len(problems) - 200} muuta (--errors-csv kirjoittaa kaikki).")
        if run.duration_seconds is not None:
            self.stdout.write(f"Kesto {run.duration_seconds:.1f} s.")
