"""The ``polku`` console command.

Every subcommand is a Django management command, so ``polku simulate …`` and
``python manage.py simulate …`` are the same thing and read the same settings
(``DATABASE_URL``, defaulting to the demo's SQLite file). A hyphen in the subcommand is an underscore:
``polku rotate-keys`` runs ``rotate_keys``.

As a Django app (``polku.cli``) it also holds the commands that act across packages or for a named user over the
person facts (``demo_setup``, ``person``, ``home``, ``spell``, ``benefit``, ``jobsearch``, the logged ``backup``,
``dumpdata``, ``shell`` and ``dbshell``): they sit on top of the layers (README, "Code layout"), so the packages
they use need not import each other or ``polku.access``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a subcommand; with no arguments, list them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["polku", *argv])
    args[0] = "polku"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")  # polku rotate-keys is polku rotate_keys
    execute_from_command_line(args)

