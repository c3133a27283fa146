"""``polku simulate``: write a synthetic population into the database or into Parquet files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from polku.simulator.profiles import UnknownProfileError, get_profile, profile_names
from polku.simulator.writers import AlreadySimulatedError, simulate_into_database, simulate_to_parquet


class Command(BaseCommand):
    help = "Simulate a synthetic job-seeker population (artificial identities only) for a profile."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, help=f"One of: {', '.join(profile_names())}.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same population).")
        parser.add_argument("--to", choices=["database", "parquet"], default="database")
        parser.add_argument("--out", help="Parquet output directory (default var/simulations/<profile>-seed<N>).")
        parser.add_argument("--persons", type=int, help="Rescale the profile to this many persons.")
        parser.add_argument("--replace", action="store_true",
                            help="Replace an earlier load of this profile (database) or an existing --out directory.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for scripts).")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["profile"]
        try:
            get_profile(name)
        except UnknownProfileError as error:
            raise CommandError(str(error)) from None
        if options["persons"] is not None and options["persons"] < 1:
            raise CommandError("--persons must be a positive number.")
        started = time.perf_counter()
        common = {"seed": options["seed"], "progress": not options["no_progress"], "persons": options["persons"],
                  "replace": options["replace"]}
        try:
            if options["to"] == "parquet":
                out = Path(options["out"] or Path(settings.VAR_DIR) / "simulations" / f"{name}-seed{options['seed']}")
                counts = simulate_to_parquet(name, out, **common)
                where = str(out)
            else:
                counts = simulate_into_database(name, **common)
                where = "the database"
        except (AlreadySimulatedError, FileExistsError) as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{key.replace('_', ' ')} {value:,}".replace(",", " ") for key, value in counts.items())
        self.stdout.write(f"Simulated {name} (seed {options['seed']}) into {where}: {summary}; {seconds:.1f} s")
