"""``polku benefit add``: paid benefit days of one benefit for one month."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessAction
from polku.timeline import services


class Command(PersonFactCommand):
    help = "Record paid benefit days for a month."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = self.subcommand(sub, "add")
        add.add_argument("--person", required=True)
        add.add_argument("--month", required=True, help="YYYY-MM")
        add.add_argument("--type", dest="benefit_type", required=True,
                         help="labour_market_subsidy | basic_allowance | earnings_related_allowance")
        add.add_argument("--basis", default="unemployment", help="unemployment | service")
        add.add_argument("--days", type=int, required=True)
        add.add_argument("--amount", required=True, help="Euros, e.g. 781.41 or 781,41")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            amount = Decimal(options["amount"].replace(",", "."))
        except InvalidOperation:
            raise CommandError(f"--amount: ei ole euromäärä: {options['amount']!r}") from None
        person = self.person(options, options["person"], write=True, action=AccessAction.CLI_BENEFIT_MONTH_ADD)
        row = services.benefit_month_record(
            person=person, month=parse_date(f"{options['month']}-01", "--month"),
            benefit_type=options["benefit_type"], basis=options["basis"], days=options["days"], amount=amount,
            actor=self.acting_user(options),
        )
        self.emit(options, {"id": row.pk}, f"Etuuspäivät kirjattu: {row.pk}")
