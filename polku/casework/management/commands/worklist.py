"""``polku worklist --counsellor USERNAME [--date YYYY-MM-DD] [--scope mine|team|area] [--kind K] [--state S] [--json]``.

The counsellor's worklist on a date, exactly as the page shows it. Acts as ``--user`` (default: the
counsellor), under the same access rules; every listed client is written to the access log (channel cli).
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext_noop

from polku.access.commands import authenticate_operator, cli_actor, parse_date
from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import Capability, allows, persons_visible_to
from polku.access.services import log_person_reads
from polku.casework import presenters, selectors
from polku.casework.due import DueKind, DueState


class Command(BaseCommand):
    help = "A counsellor's worklist (due and overdue statutory duties) on a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--counsellor", required=True, help="Username of the counsellor.")
        parser.add_argument("--date", help="Reference date YYYY-MM-DD (default today).")
        parser.add_argument("--scope", default=selectors.Scope.MINE, choices=[selectors.Scope.MINE, selectors.Scope.TEAM,
                                                                                selectors.Scope.AREA])
        parser.add_argument("--kind", action="append", default=[], help=f"Only these kinds: {', '.join(DueKind)}.")
        parser.add_argument("--state", action="append", default=[], help=f"Only these states: {', '.join(DueState)}.")
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"), help="Acting user (default: the counsellor).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        counsellor = users.filter(username=options["counsellor"]).first()
        if counsellor is None:
            raise CommandError(f"--counsellor: tuntematon käyttäjä {options['counsellor']!r}.")
        actor = authenticate_operator(options["user"] or counsellor.get_username(), command="worklist")
        if not allows(actor, Capability.VIEW_WORKLIST):
            raise CommandError("--user: roolilla ei ole nimettyä työlistaa.")
        for field, values, allowed in (("--kind", options["kind"], set(DueKind)), ("--state", options["state"], set(DueState))):
            unknown = [value for value in values if value not in allowed]
            if unknown:
                raise CommandError(f"{field}: tuntematon arvo {', '.join(unknown)}. Sallitut: {', '.join(sorted(allowed))}.")
        today = parse_date(options["date"], "--date") if options["date"] else timezone.localdate()
        persons = selectors.scope_persons(counsellor, options["scope"]).filter(pk__in=persons_visible_to(actor).values("pk"))
        result = selectors.worklist(persons, today, kinds=options["kind"], states=options["state"])
        log_person_reads(user=actor, person_ids=[row.person_id for row in result.rows], action=AccessAction.WORKLIST,
                         purpose=gettext_noop("asiakastyö"), channel=AccessChannel.CLI, actor=cli_actor(actor))
        if options["json"]:
            self.stdout.write(json.dumps(presenters.worklist_json(result), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Työlista {today:%d.%m.%Y}, {counsellor.get_username()}: {result.clients} asiakasta, "
                          f"{len(result.rows)} tehtävää ({result.states['overdue']} myöhässä)")
        for row in result.rows:
            self.stdout.write(f"  {row.item.due_on:%d.%m.%Y}  {presenters.STATE_LABELS[row.item.state]!s:<14} "
                              f"{presenters.KIND_LABELS[row.item.kind]!s:<34} {row.name}")
