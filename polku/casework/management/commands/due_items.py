"""``polku due_items rebuild [--date YYYY-MM-DD]`` | ``polku due_items status``: the worklists' due-items table.

``rebuild`` computes every client's due items for the day (today by default) in one transaction, as the daily job
does; ``status`` tells which day the table is for. Neither shows any person's data.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from polku.access.commands import parse_date
from polku.casework import due_table


class Command(BaseCommand):
    help = "Rebuild the worklists' due-items table for a day, or show which day it is for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "status"])
        parser.add_argument("--date", help="The day YYYY-MM-DD (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            state = due_table.table_state()
            if state is None:
                self.stdout.write("Tehtävätaulua ei ole vielä laskettu: työlistat lasketaan suoraan.")
            else:
                fresh = "ajan tasalla" if due_table.table_day() == timezone.localdate() else "vanhentunut"
                self.stdout.write(f"Tehtävätaulu päivälle {state.computed_for:%d.%m.%Y} ({fresh}): {state.clients} asiakasta, "
                                  f"laskettu {timezone.localtime(state.rebuilt_at):%d.%m.%Y %H.%M}.")
            return
        day = parse_date(options["date"], "--date") if options["date"] else timezone.localdate()
        started = time.perf_counter()
        clients = due_table.rebuild(day)
        self.stdout.write(f"Tehtävätaulu laskettu päivälle {day:%d.%m.%Y}: {clients} asiakasta, "
                          f"{time.perf_counter() - started:.1f} s.")
