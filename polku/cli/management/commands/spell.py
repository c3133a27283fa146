"""``polku spell add|correct|retract``: labour-market status spells."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessAction
from polku.timeline import services
from polku.timeline.models import StatusSpell

CORRECTION_ACTIONS = {"correct": AccessAction.CLI_STATUS_SPELL_CORRECT, "retract": AccessAction.CLI_STATUS_SPELL_RETRACT}


class Command(PersonFactCommand):
    help = "Record, correct or retract a labour-market status spell."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("add", "correct"):
            cmd = self.subcommand(sub, name)
            if name == "add":
                cmd.add_argument("--person", required=True, help="Person UUID.")
            else:
                cmd.add_argument("--id", type=int, required=True, help="Spell id to correct.")
                cmd.add_argument("--reason", required=True)
            cmd.add_argument("--status", required=True)
            cmd.add_argument("--service-type")
            cmd.add_argument("--start", required=True, help="YYYY-MM-DD")
            cmd.add_argument("--end", help="YYYY-MM-DD (omit for an open spell)")
        retract = self.subcommand(sub, "retract")
        retract.add_argument("--id", type=int, required=True)
        retract.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            person = self.person(options, options["person"], write=True, action=AccessAction.CLI_STATUS_SPELL_ADD)
            corrects = None
        else:
            corrects = StatusSpell.objects.filter(pk=options["id"]).first()
            if corrects is None:
                raise CommandError(f"--id: jaksoa {options['id']} ei löydy.")
            person = self.person(options, str(corrects.person_id), write=True, action=CORRECTION_ACTIONS[options["action"]])
        user = self.acting_user(options)
        if options["action"] == "retract":
            assert corrects is not None
            services.fact_retract(fact=corrects, reason=options["reason"], actor=user)
            self.emit(options, {"retracted": corrects.pk}, f"Jakso {corrects.pk} peruttu.")
            return
        spell = services.status_spell_record(
            person=person, status=options["status"], service_type=options["service_type"],
            start_date=parse_date(options["start"], "--start"),
            end_date=parse_date(options["end"], "--end") if options["end"] else None,
            actor=user, corrects=corrects, reason=options.get("reason") or "",
        )
        self.emit(options, {"id": spell.pk, "lineage": str(spell.lineage)}, f"Jakso kirjattu: {spell.pk}")
