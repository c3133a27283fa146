"""``polku share_rules [--confirm CODE --note TEXT --user ADMIN]``: the municipal-share rule sets.

Without options, lists each rule set with its validity, source and verification status. With
``--confirm`` an administrator records that the rule set has been checked against the law (the
results stop being marked "vahvistamaton").
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.access import policy
from polku.core.errors import ValidationFailed
from polku.municipal_share import presenters, services


class Command(BaseCommand):
    help = "List the municipal-share rule sets, or confirm one (administrators only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--confirm", metavar="CODE", help="Rule set code to confirm, e.g. tyottomyysetuudet-2025.")
        parser.add_argument("--note", default="", help="What was checked, against which source (required with --confirm).")
        parser.add_argument("--user", help="Administrator recording the confirmation.")
        parser.add_argument("--json", action="store_true", help="Print the list as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["confirm"]:
            self._confirm(options)
        metas = presenters.rule_metas(services.current_rule_book())
        if options["json"]:
            self.stdout.write(json.dumps([m.as_dict() for m in metas], default=str, ensure_ascii=False, indent=2))
            return
        for meta in metas:
            status = "vahvistettu" if meta.verified else "VAHVISTAMATON"
            until = meta.valid_to.isoformat() if meta.valid_to else ""
            self.stdout.write(f"{meta.code}  {meta.valid_from.isoformat()}–{until}  {status}  {meta.name}")
            self.stdout.write(f"    lähde: {meta.source}")
            if meta.confirmed_note:
                self.stdout.write(f"    vahvistus: {meta.confirmed_note}")
            elif meta.note:
                self.stdout.write(f"    huomautus: {meta.note}")

    def _confirm(self, options: dict[str, Any]) -> None:
        username = options["user"]
        if not username:
            raise CommandError("--user: vahvistus kirjataan ylläpitäjän nimissä.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: tuntematon käyttäjä {username!r}.")
        if not policy.is_administrator(user):
            raise CommandError("--user: vain pääkäyttäjä voi vahvistaa säännön.")
        try:
            services.rule_set_confirm(code=options["confirm"], note=options["note"], actor=user)
        except ValidationFailed as failure:
            raise CommandError("\n".join(f"--{e.field.replace('rule_set', 'confirm')}: {e.message}"
                                         for e in failure.errors)) from None
        self.stdout.write(f"Sääntö vahvistettu: {options['confirm']}")
