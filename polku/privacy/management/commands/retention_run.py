"""``polku retention-run [--dry-run] [--date YYYY-MM-DD] --user U``: apply the retention schedule on a reference date.

Erases or pseudonymises what is past the schedule in one transaction (all or nothing) and records a report of counts
per kind (no identity codes, no names), shown to the data protection officer on the retention page. ``--dry-run``
shows what would happen and changes nothing. The data protection officer, administrators and named system accounts
(a scheduled run) may run it; a refusal is logged.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from polku.access import policy
from polku.access.commands import PersonFactCommand, parse_date
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import cli_actor, log_event
from polku.jobs.locks import scope_lock
from polku.privacy.presenters import report_rows
from polku.privacy.retention import execute, new_run
from polku.privacy.schedule import load_schedule
from polku.privacy.tasks import RETENTION_LOCK


class Command(PersonFactCommand):
    help = "Erase or pseudonymise what is past the retention schedule on a reference date (or, --dry-run, show it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show what would be done; change nothing.")
        parser.add_argument("--date", default="", help="Reference date YYYY-MM-DD (default: today).")
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="Username the command acts as (default: $POLKU_USER).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        reference_date = parse_date(options["date"], "--date") if options["date"] else timezone.localdate()
        if not policy.can_run_retention(user):
            log_event(user=user, action=AccessAction.ACCESS_REFUSED, channel=AccessChannel.CLI, actor=cli_actor(user),
                      purpose=f"{AccessAction.RETENTION_RUN.value}: ei oikeutta")
            raise CommandError("--user: säilytysaikoja ajavat vain tietosuojavastaava, pääkäyttäjä ja nimetyt "
                               "järjestelmätilit.")
        run = new_run(user=user, reference_date=reference_date, dry_run=options["dry_run"],
                      channel=AccessChannel.CLI, actor=cli_actor(user))
        with scope_lock(RETENTION_LOCK):
            run = execute(run, user=user)
        schedule = load_schedule()
        heading = "Kuivaharjoitus (mitään ei muutettu)" if run.dry_run else "Säilytysajat ajettu"
        lines = [f"{heading}: tarkastelupäivä {run.reference_date.isoformat()}, ajo {run.pk}",
                 f"Asiakkuus päättynyt: {run.report.get('ended_relationships', 0)} henkilöä"]
        lines += [f"  {row.label}: {row.action}, {row.persons} henkilöä, {row.rows} riviä"
                  + ("" if row.verified else " (vahvistamaton säilytysaika)") for row in report_rows(run, schedule)]
        self.emit(options, {"run": run.pk, "reference_date": run.reference_date, "dry_run": run.dry_run,
                            "status": run.status, "schedule_version": run.schedule_version, "report": run.report},
                  "\n".join(lines))
