"""``polku share_breakdown --area kuopio --year 2025 --by municipality team [--rule 2015|2025] [--json]``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.municipal_share import presenters
from polku.municipal_share.breakdowns import DIMENSIONS, share_breakdown
from polku.municipal_share.services import current_rule_book
from polku.reference.models import EmploymentArea, Municipality


class Command(BaseCommand):
    help = "The municipal share of an area or municipalities, broken down by municipality, team, age group …"

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--area", help="Employment area code, e.g. kuopio.")
        where.add_argument("--municipality", nargs="+", help="Municipality codes.")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--by", nargs="+", default=["municipality"], choices=DIMENSIONS)
        parser.add_argument("--rule", default="in-force", help="in-force | 2015 | 2025")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        book = current_rule_book()
        if options["area"]:
            area = EmploymentArea.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"--area: tuntematon alue {options['area']!r}.")
            codes = list(area.memberships.values_list("municipality_id", flat=True))
        else:
            codes = options["municipality"]
            unknown = set(codes) - set(Municipality.objects.filter(code__in=codes).values_list("code", flat=True))
            if unknown:
                raise CommandError(f"--municipality: tuntemattomat kuntakoodit {', '.join(sorted(unknown))}.")
        rule = presenters.resolve_rule(book, options["rule"])
        if rule is None:
            raise CommandError(f"--rule: tuntematon sääntö {options['rule']!r}.")
        year = options["year"]
        rows = share_breakdown(book, municipality_codes=codes, first_month=date(year, 1, 1),
                               last_month=date(year, 12, 1), by=options["by"], rule=rule)
        if options["json"]:
            self.stdout.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
            return
        for row in rows:
            keys = " / ".join(str(v) for v in row.keys.values())
            self.stdout.write(f"{keys:<50} {row.billed_persons:>7} hlö {row.municipal_eur:>16} €")
