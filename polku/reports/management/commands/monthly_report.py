"""``polku monthly_report publish --scope kuopio --month 2025-03``: publish one month's report now (or show the one
already published); ``polku monthly_report due``: publish the month now due for every report scope (what the worker
does after an import; for a scheduler such as cron); ``polku monthly_report list``: the archive.

Aggregates only, suppressed as for the council; a published report is never made again.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.core.errors import ValidationFailed
from polku.reports import services
from polku.reports.models import MonthlyReport, ReportTrigger


class Command(BaseCommand):
    help = "Publish the monthly report for the council (one scope and month, or every scope's due month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["publish", "due", "list"])
        parser.add_argument("--scope", help="Employment area or municipality code, e.g. kuopio or 765.")
        parser.add_argument("--month", help="The report's month, YYYY-MM (a month that has ended).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "list":
            rows = [self._row(r, None) for r in MonthlyReport.objects.defer("figures")]
        elif options["action"] == "due":
            rows = [self._row(r, True) for r in services.publish_due()]
        else:
            if not options["scope"] or not options["month"]:
                raise CommandError("--scope ja --month: anna molemmat (esim. --scope kuopio --month 2025-03).")
            try:
                month = date.fromisoformat(options["month"] + "-01")
            except ValueError:
                raise CommandError(f"--month: kuukausi muodossa VVVV-KK, ei {options['month']!r}.") from None
            try:
                report, created = services.publish(options["scope"], month, trigger=ReportTrigger.ON_DEMAND)
            except ValidationFailed as failure:
                raise CommandError("\n".join(f"--{e.field}: {e.message}" for e in failure.errors)) from None
            rows = [self._row(report, created)]
        seconds = round(time.perf_counter() - started, 2)
        if options["json"]:
            self.stdout.write(json.dumps({"reports": rows, "seconds": seconds}, ensure_ascii=False, indent=2))
            return
        for row in rows:
            state = {True: "julkaistu nyt", False: "julkaistu aiemmin", None: ""}[row["created"]]
            self.stdout.write(f"{row['scope']} {row['month']} {row['published_at']} {state}".rstrip())
        self.stdout.write(f"{len(rows)} raporttia, {seconds} s")

    @staticmethod
    def _row(report: MonthlyReport, created: bool | None) -> dict[str, Any]:
        return {"scope": report.scope_code, "month": f"{report.month:%Y-%m}",
                "published_at": report.published_at.isoformat(timespec="seconds"), "created": created}
