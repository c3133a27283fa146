"""``polku person add|show``: register a job seeker, or print their timeline (an access-logged read)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access import registration
from polku.access.commands import PersonFactCommand, cli_actor, parse_date
from polku.access.models import AccessAction, AccessChannel
from polku.timeline import selectors


class Command(PersonFactCommand):
    help = "Register a person (add) or show a person's timeline (show)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = self.subcommand(sub, "add", "Register a person with a home municipality.")
        # Only from standard input: an argument would sit in shell history and the process list.
        add.add_argument("--personal-id-stdin", action="store_true", required=True,
                         help="Read the identity code from standard input.")
        add.add_argument("--first-names", required=True)
        add.add_argument("--last-name", required=True)
        add.add_argument("--municipality", required=True, help="Three-digit home municipality code.")
        add.add_argument("--since", required=True, help="Home municipality start date, YYYY-MM-DD.")
        add.add_argument("--language", default="fi")
        add.add_argument("--education", default="upper_secondary")
        add.add_argument("--immigrant-background", action="store_true")
        show = self.subcommand(sub, "show", "Print a person's timeline.")
        show.add_argument("--person", required=True, help="Person UUID.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self._add(options)
        else:
            self._show(options)

    def _add(self, options: dict[str, Any]) -> None:
        user = self.acting_user(options)
        from polku.access import policy

        policy.require_write_access(user)
        policy.require_municipality_in_scope(user, options["municipality"], field="--municipality")
        code = sys.stdin.readline().strip()
        if not code:
            raise CommandError("personal_id: henkilötunnus puuttuu.")
        profile = policy.staff_profile(user)
        person = registration.person_register_for(
            user=user, channel=AccessChannel.CLI, purpose=options["purpose"], actor_name=cli_actor(user),
            personal_id_code=code, first_names=options["first_names"], last_name=options["last_name"],
            municipality_code=options["municipality"], since=parse_date(options["since"], "--since"),
            language=options["language"], education=options["education"],
            immigrant_background=options["immigrant_background"], team_id=profile.team_id if profile else None,
        )
        self.emit(options, {"id": str(person.pk)}, f"Henkilö kirjattu: {person.pk}")

    def _show(self, options: dict[str, Any]) -> None:
        person = self.person(options, options["person"], write=False, action=AccessAction.CLI_PERSON_SHOW)
        timeline = selectors.person_timeline(person)
        data = {
            "id": str(person.pk),
            "name": f"{person.first_names} {person.last_name}",
            "masked_personal_id": person.masked_personal_id,
            "home_municipalities": [
                {"municipality": s.municipality_id, "start_date": s.start_date, "end_date": s.end_date}
                for s in timeline.home_municipalities
            ],
            "status_spells": [
                {"id": s.pk, "status": s.status_id, "service_type": s.service_type_id, "start_date": s.start_date,
                 "end_date": s.end_date} for s in timeline.status_spells
            ],
            "job_search_periods": [
                {"id": p.pk, "registered_on": p.registered_on, "ended_on": p.ended_on, "end_reason": p.end_reason}
                for p in timeline.job_search_periods
            ],
            "benefit_months": [
                {"id": b.pk, "month": b.month, "benefit_type": b.benefit_type, "basis": b.basis, "days": b.days,
                 "amount": b.amount} for b in timeline.benefit_months
            ],
        }
        lines = [f"{data['name']} ({data['masked_personal_id']})", "Kotikunnat:"]
        lines += [f"  {h.start_date}–{h.end_date or ''}  {h.municipality.name_fi}" for h in timeline.home_municipalities]
        lines.append("Työmarkkina-asema:")
        lines += [f"  {s.start_date}–{s.end_date or ''}  {s.status.name_fi}"
                  + (f": {s.service_type.name_fi}" if s.service_type else "") for s in timeline.status_spells]
        lines.append("Työnhaku:")
        lines += [f"  {p.registered_on}–{p.ended_on or ''}  {p.get_end_reason_display() if p.end_reason else ''}".rstrip()
                  for p in timeline.job_search_periods]
        lines.append("Etuuspäivät:")
        lines += [f"  {b.month:%Y-%m}  {b.get_benefit_type_display()} ({b.get_basis_display()}): {b.days} pv, {b.amount} €"
                  for b in timeline.benefit_months]
        self.emit(options, data, "\n".join(lines))
