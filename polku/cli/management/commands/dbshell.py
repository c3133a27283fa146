"""``polku dbshell --user NAME``: the database's own client, for an administrator or a named system account,
logged as a ``cli_shell`` session."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandParser
from django.core.management.commands import dbshell

from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_event
from polku.cli.management.commands.dumpdata import require_maintenance_operator


class Command(dbshell.Command):
    help = dbshell.Command.help + " Acts as --user (an administrator or a named system account); access-logged."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="Administrator or named system account (default: $POLKU_USER).")
        parser.add_argument("--purpose", default="ylläpito", help="Purpose of the session, for the access log.")

    def handle(self, **options: Any) -> None:
        user = require_maintenance_operator(options.pop("user"), "dbshell")
        log_event(user=user, action=AccessAction.CLI_SHELL, purpose=f"dbshell: {options.pop('purpose')}",
                  channel=AccessChannel.CLI)
        super().handle(**options)
