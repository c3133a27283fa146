"""``polku jobsearch open|end``: registration as a job seeker and its end with an outcome."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessAction
from polku.timeline import services
from polku.timeline.models import JobSearchPeriod


class Command(PersonFactCommand):
    help = "Open or end a job-search period."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        opened = self.subcommand(sub, "open")
        opened.add_argument("--person", required=True)
        opened.add_argument("--date", required=True)
        ended = self.subcommand(sub, "end")
        ended.add_argument("--id", type=int, required=True, help="Job-search period id.")
        ended.add_argument("--date", required=True)
        ended.add_argument("--reason", required=True, help="End reason code, e.g. open_market_job.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        if options["action"] == "open":
            person = self.person(options, options["person"], write=True, action=AccessAction.CLI_JOB_SEARCH_OPEN)
            period = services.job_search_open(person=person, registered_on=parse_date(options["date"], "--date"),
                                              actor=user)
        else:
            current = JobSearchPeriod.objects.filter(pk=options["id"]).first()
            if current is None:
                raise CommandError(f"--id: työnhakujaksoa {options['id']} ei löydy.")
            self.person(options, str(current.person_id), write=True, action=AccessAction.CLI_JOB_SEARCH_END)
            period = services.job_search_end(period=current, ended_on=parse_date(options["date"], "--date"),
                                             end_reason=options["reason"], actor=user)
        self.emit(options, {"id": period.pk}, f"Työnhakujakso kirjattu: {period.pk}")
