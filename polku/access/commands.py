"""Base class for ``polku`` commands that read or write a person's facts.

Every such command acts as a named user (``--user`` or ``POLKU_USER``) under the same access
rules as the web and the API, logs its reads, and turns refused input into a message that
names each field and the reason (exit status 1, nothing written).
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import cli_actor, log_event, os_user, person_access
from polku.core.errors import AccessDenied, ValidationFailed
from polku.people.models import Person


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{field}: päivämäärä muodossa VVVV-KK-PP, saatiin {value!r}") from None


class PersonFactCommand(BaseCommand):
    """Shared plumbing: the acting user, person look-up with access check, error rendering."""

    @staticmethod
    def subcommand(subparsers: Any, name: str, help_text: str = "") -> CommandParser:
        """A subcommand parser carrying the options every person-data command shares."""
        parser: CommandParser = subparsers.add_parser(name, help=help_text)
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="Username the command acts as (default: $POLKU_USER).")
        parser.add_argument("--purpose", default="asiakastyö", help="Purpose of the read, for the access log.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        return parser

    def acting_user(self, options: dict[str, Any]) -> Any:
        return authenticate_operator(options.get("user"), command=self._command_name())

    def _command_name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    def person(self, options: dict[str, Any], person_id: str, *, write: bool, action: AccessAction) -> Person:
        user = self.acting_user(options)
        person = Person.objects.filter(pk=person_id).first() if _is_uuid(person_id) else None
        if person is None:
            raise CommandError(f"--person: henkilöä {person_id!r} ei löydy.")
        try:
            person_access(user=user, person=person, write=write, action=action, purpose=options["purpose"],
                          channel=AccessChannel.CLI, actor=cli_actor(user))
        except AccessDenied as denied:
            raise CommandError(f"--person: {denied}") from None
        return person

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ValidationFailed as failure:
            self._fail_as_json(options, [e.as_dict() for e in failure.errors])
            raise CommandError("\n".join(f"{e.field}: {e.message}" for e in failure.errors)) from None
        except AccessDenied as denied:
            self._fail_as_json(options, [{"field": "", "code": "forbidden", "message": str(denied)}])
            raise CommandError(str(denied)) from None
        except CommandError as error:
            field, _, message = str(error).partition(": ")
            self._fail_as_json(options, [{"field": field if message else "", "code": "invalid",
                                          "message": message or field}])
            raise

    def _fail_as_json(self, options: dict[str, Any], errors: list[dict[str, str]]) -> None:
        """With ``--json`` on the command line, errors are JSON on standard error too (exit status 1)."""
        if options.get("json") and getattr(self, "_called_from_command_line", False):
            self.stderr.write(json.dumps({"errors": errors}, ensure_ascii=False))
            raise SystemExit(1)

    def emit(self, options: dict[str, Any], data: dict[str, Any], text: str) -> None:
        self.stdout.write(json.dumps(data, default=str, ensure_ascii=False) if options["json"] else text)


def authenticate_operator(username: str | None, *, command: str) -> Any:
    """The user a command acts as: named, existing, active, and staff or a named system account (the policy says).

    A refused operator is logged (``operator_refused``, with the OS account) before the command stops.
    """
    if not username:
        raise CommandError("--user: anna käyttäjä, jonka nimissä komento toimii (tai aseta POLKU_USER).")
    user = get_user_model().objects.filter(username=username).first()
    refusal = policy.command_operator_refusal(user)
    if refusal is not None:
        log_event(user=None, action=AccessAction.OPERATOR_REFUSED, purpose=f"{command}: {refusal}",
                  channel=AccessChannel.CLI, actor=f"{username} (os:{os_user()})")
        raise CommandError(f"--user: {refusal} {username!r}." if user is None else f"--user: {username}: {refusal}.")
    return user


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
