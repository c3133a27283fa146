"""``polku subject-access PERSON --user U --out FILE.json``: a person's subject-access export as JSON (GDPR art. 15).

The person is named by their random id, or by identity code read from standard input (``-`` or
``--personal-id-stdin``), so the code never sits in shell history, the process list or a log. Only the data
protection officer and administrators may; the export is an access-logged read (a refusal is logged too).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from polku.access.commands import PersonFactCommand
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import cli_actor
from polku.core.errors import ValidationFailed
from polku.people.models import Person
from polku.privacy import subject_access
from polku.timeline.services import person_find_by_personal_id


class Command(PersonFactCommand):
    help = "Write everything held about one person, with the access log about them, as JSON (subject access)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person", nargs="?", default="",
                            help="The person's id (UUID), or - to read the identity code from standard input.")
        parser.add_argument("--personal-id-stdin", action="store_true",
                            help="Read the person's identity code from standard input.")
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="Username the command acts as (default: $POLKU_USER).")
        parser.add_argument("--out", required=True, help="The JSON file to write (created readable by its owner only).")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        person = self._person(options)
        produced = subject_access.produce(user=user, person=person, action=AccessAction.CLI_SUBJECT_ACCESS,
                                          channel=AccessChannel.CLI, actor=cli_actor(user))
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(produced.as_json(), handle, ensure_ascii=False, indent=2)
        rows = sum(len(s.records) for s in produced.sections)
        self.emit(options, {"person_id": str(person.pk), "out": str(out), "sections": len(produced.sections),
                            "rows": rows},
                  f"Rekisteröidyn tiedot kirjoitettu: {out} ({len(produced.sections)} osaa, {rows} riviä)")

    def _person(self, options: dict[str, Any]) -> Person:
        given = options["person"]
        if options["personal_id_stdin"] or given == "-":
            code = sys.stdin.readline().strip()
            if not code:
                raise CommandError("personal_id: henkilötunnus puuttuu.")
            try:
                found = person_find_by_personal_id(code)
            except ValidationFailed:
                raise CommandError("personal_id: henkilötunnus ei ole oikeaa muotoa.") from None
            if found is None:
                raise CommandError("personal_id: henkilötunnuksella ei löytynyt henkilöä.")
            return found
        try:
            person = Person.objects.filter(pk=uuid.UUID(given)).first()
        except ValueError:
            person = None
        if person is None:
            raise CommandError("person: anna henkilön tunniste (UUID) tai - ja henkilötunnus vakiosyötteestä.")
        return person
