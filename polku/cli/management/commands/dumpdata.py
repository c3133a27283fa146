"""``polku dumpdata --user NAME``: Django's dumpdata, run only by an administrator or a named system account, and
access-logged: a dump that holds person data is one ``cli_dumpdata`` read of every person in it.

A dump passes by the access policy (it is a copy of the database), so who may make one is narrow, and the log
names the operator and the OS account.
"""

from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import dumpdata
from django.db import models

from polku.access import policy
from polku.access.commands import authenticate_operator
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads
from polku.people.models import Person


def require_maintenance_operator(username: str | None, command: str) -> Any:
    user = authenticate_operator(username, command=command)
    if not policy.can_use_maintenance_commands(user):
        raise CommandError(f"--user: {command} on vain pääkäyttäjän tai nimetyn järjestelmätilin komento.")
    return user


def _models(labels: list[str], excluded: list[str]) -> list[type[models.Model]]:
    """The models a dump of ``labels`` (``app`` or ``app.Model``; none = all) minus ``excluded`` writes."""
    chosen: list[type[models.Model]] = []
    for label in labels or [config.label for config in apps.get_app_configs()]:
        app_label, _, model_name = label.partition(".")
        config = apps.get_app_config(app_label)
        chosen += [config.get_model(model_name)] if model_name else list(config.get_models())
    skip = set()
    for label in excluded:
        app_label, _, model_name = label.partition(".")
        skip |= {apps.get_model(app_label, model_name)} if model_name else set(apps.get_app_config(app_label).get_models())
    return [m for m in chosen if m not in skip]


def persons_in_dump(labels: list[str], excluded: list[str]) -> list[Any]:
    """The persons whose data the dump holds: all of them with the person table, else those the rows name."""
    dumped = _models(labels, excluded)
    if Person in dumped:
        return list(Person.objects.values_list("pk", flat=True))
    found: set[Any] = set()
    for model in dumped:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Person:
                found |= set(model._default_manager.exclude(**{field.attname: None})
                             .values_list(field.attname, flat=True).distinct())
    return sorted(found, key=str)


class Command(dumpdata.Command):
    help = dumpdata.Command.help + " Acts as --user (an administrator or a named system account); access-logged."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--user", default=os.environ.get("POLKU_USER"),
                            help="Administrator or named system account the dump is made as (default: $POLKU_USER).")
        parser.add_argument("--purpose", default="ylläpito", help="Purpose of the dump, for the access log.")

    def handle(self, *app_labels: str, **options: Any) -> None:
        user = require_maintenance_operator(options.pop("user"), "dumpdata")
        purpose = options.pop("purpose")
        try:
            persons = persons_in_dump(list(app_labels), list(options.get("exclude") or []))
        except LookupError as error:
            raise CommandError(str(error)) from None
        log_person_reads(user=user, person_ids=persons, action=AccessAction.CLI_DUMPDATA, purpose=purpose,
                         channel=AccessChannel.CLI)
        super().handle(*app_labels, **options)
