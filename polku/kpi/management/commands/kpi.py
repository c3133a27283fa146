"""``polku kpi --indicator CODE --municipality 765 --month 2021-12 [--json]``: an indicator by its definition.

Also ``--area kuopio``, ``--year 2021`` (the year's figure from its months), ``--from/--to`` month ranges,
``--dimension age_group``, ``--as-of 2022-01`` (facts as recorded then) and ``--list`` (the definitions).
Aggregate figures only; the CLI is an operator's tool, so small cells are not suppressed here.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.core.errors import ErrorCode, ValidationFailed
from polku.kpi import presenters
from polku.kpi.definitions import shipped_definitions


class Command(BaseCommand):
    help = "Compute an indicator for a municipality or an employment area by its published definition."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--indicator", help="Indicator code (see --list).")
        parser.add_argument("--municipality", help="Municipality code, e.g. 765.")
        parser.add_argument("--area", help="Employment area code, e.g. kainuu.")
        parser.add_argument("--month", help="One month, YYYY-MM.")
        parser.add_argument("--from", dest="first_month", help="First month, YYYY-MM.")
        parser.add_argument("--to", dest="last_month", help="Last month, YYYY-MM.")
        parser.add_argument("--year", type=int, help="A year's figure from its months.")
        parser.add_argument("--dimension", help="Disaggregation, e.g. age_group, gender, outcome.")
        parser.add_argument("--as-of", dest="as_of", help="Facts as recorded at the end of this month, YYYY-MM.")
        parser.add_argument("--list", action="store_true", help="List the indicator definitions.")
        parser.add_argument("--json", action="store_true", help="Print JSON (errors too).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            payload: Any = [presenters.definition_payload(d) for d in shipped_definitions().latest()]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) if options["json"] else
                              "\n".join(f"{d['code']:<40} {d['name']}" for d in payload))
            return
        try:
            if not options["indicator"]:
                raise ValidationFailed.single("indicator", ErrorCode.REQUIRED, "Anna --indicator (ks. --list).")
            if bool(options["municipality"]) == bool(options["area"]):
                raise ValidationFailed.single("municipality", ErrorCode.REQUIRED, "Anna joko --municipality tai --area.")
            query = presenters.build_query(
                indicator=options["indicator"], scope=options["municipality"] or options["area"],
                month=options["month"], first_month=options["first_month"], last_month=options["last_month"],
                year=options["year"], dimension=options["dimension"], as_of=options["as_of"])
            payload = presenters.kpi_payload(query, suppress=False)
        except ValidationFailed as failure:
            if options["json"]:
                self.stderr.write(json.dumps({"errors": [e.as_dict() for e in failure.errors]}, ensure_ascii=False))
                raise SystemExit(2) from None
            flag = {"scope": "municipality" if options["municipality"] else "area", "first_month": "from",
                    "last_month": "to"}
            raise CommandError("\n".join(f"--{flag.get(e.field, e.field).replace('_', '-')}: {e.message}"
                                         for e in failure.errors)) from None
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        indicator = payload["indicator"]
        lines = [f"{indicator['name']} – {payload['scope']['name']} ({indicator['code']} v{indicator['version']})"]
        if not indicator["verified"]:
            lines.append("VAHVISTAMATON MÄÄRITELMÄ: " + indicator["source"])
        for value in payload["values"]:
            group = f" {value['group']}" if value["group"] else ""
            lines.append(f"{value['period']:<8}{group:<20} {value['value'] if value['value'] is not None else '–':>12}")
        self.stdout.write("\n".join(lines))
