"""``polku share --municipality 765 --year 2021 --rule 2015|2025|in-force [--json] [--excel FILE]``.

Aggregate figures only (no person data): the municipal share by month under one rule, with totals by
benefit and age group, and the rule set's source and verification status. Results under an unverified
rule set are marked "vahvistamaton" (``"verified": false`` and a ``note`` in JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from polku.municipal_share import excel, presenters
from polku.municipal_share.services import current_rule_book
from polku.reference.models import Municipality


class Command(BaseCommand):
    help = "The municipal share of one municipality and year, by month (aggregate figures only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="Municipality code, e.g. 765 (Sotkamo).")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--rule", default="in-force",
                            help="in-force | 2015 (tmt-2015) | 2025 (tyottomyysetuudet-2025)")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument("--excel", type=Path, help="Also write an Excel workbook to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        book = current_rule_book()
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"--municipality: tuntematon kuntakoodi {options['municipality']!r}.")
        year, today = options["year"], timezone.localdate()
        if not presenters.FIRST_YEAR <= year <= today.year:
            raise CommandError(f"--year: vuoden on oltava välillä {presenters.FIRST_YEAR}–{today.year}.")
        rule = presenters.resolve_rule(book, options["rule"])
        if rule is None:
            raise CommandError(f"--rule: tuntematon sääntö {options['rule']!r}. "
                               f"Sallitut: 2015, 2025, {', '.join(presenters.rule_choices(book))}.")
        payload = presenters.share_payload(book, municipality, year, rule, suppress=False)
        if options["excel"]:
            page = presenters.share_page(book, municipality, presenters.Period(year, year), suppress=False)
            options["excel"].write_bytes(excel.share_workbook(page))
        if options["json"]:
            self.stdout.write(json.dumps(payload, default=str, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._text(payload))

    @staticmethod
    def _text(payload: dict[str, Any]) -> str:
        def eur(value: Any) -> str:
            return f"{value:>14,.2f}".replace(",", " ")

        lines = [f"Kuntaosuus {payload['municipality']['name']} ({payload['municipality']['code']}) "
                 f"{payload['year']}, sääntö: {payload['rule']}"]
        if not payload["verified"]:
            lines.append(f"VAHVISTAMATON: {payload['note']}")
        lines.append(f"{'kuukausi':<9} {'sääntö':<24} {'henk.':>6} {'laskettu pv':>11} {'maksettu €':>14} "
                     f"{'valtio €':>14} {'kunta €':>14}")
        for row in payload["months"]:
            lines.append(f"{row['month']:<9} {row['rule_set']:<24} {row['billed_persons']!s:>6} "
                         f"{row['counted_days']:>11} {eur(row['paid_eur'])} {eur(row['state_eur'])} "
                         f"{eur(row['municipal_eur'])}")
        total = payload["totals"]
        lines.append(f"{'yhteensä':<34} {total['billed_persons']!s:>6} {total['counted_days']:>11} "
                     f"{eur(total['paid_eur'])} {eur(total['state_eur'])} {eur(total['municipal_eur'])}")
        return "\n".join(lines)
