"""``polku home add``: a home-municipality spell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessAction
from polku.timeline import services


class Command(PersonFactCommand):
    help = "Record a home-municipality spell."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = self.subcommand(sub, "add")
        add.add_argument("--person", required=True)
        add.add_argument("--municipality", required=True)
        add.add_argument("--start", required=True)
        add.add_argument("--end")

    def handle(self, *args: Any, **options: Any) -> None:
        person = self.person(options, options["person"], write=True, action=AccessAction.CLI_HOME_MUNICIPALITY_ADD)
        spell = services.home_municipality_record(
            person=person, municipality_code=options["municipality"],
            start_date=parse_date(options["start"], "--start"),
            end_date=parse_date(options["end"], "--end") if options["end"] else None,
            actor=self.acting_user(options),
        )
        self.emit(options, {"id": spell.pk}, f"Kotikunta kirjattu: {spell.pk}")
