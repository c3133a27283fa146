"""``polku serve-production``: the one entrypoint a hosting provider runs (README, "Operations").

Configured only by environment variables (the settings' ``DATABASE_URL``, ``POLKU_*`` keys, and these):

- ``POLKU_PROCESSES``: ``web,worker,import-worker`` (default) runs gunicorn, ``polku worker`` and a worker for the
  imports' queue side by side (an import then does not wait for its turn behind a running refresh job; the general
  worker leaves the imports to it, so they still run one after another); any one or two of them run alone (a
  container per process: the web one migrates, the workers wait until the migrations are applied; a ``worker``
  without an ``import-worker`` beside it serves every queue);
- ``POLKU_BIND`` (default ``0.0.0.0:$PORT``, ``PORT`` defaulting to 8000), ``POLKU_WEB_WORKERS`` (2),
  ``POLKU_WEB_THREADS`` (4), ``POLKU_WEB_TIMEOUT`` (120 seconds);
- ``POLKU_MIGRATE`` (``1``): ``0`` leaves migrating to a separate release step;
- ``POLKU_MIGRATION_WAIT`` (300): seconds a worker-only process waits for the migrations;
- ``POLKU_ALLOW_DEMO`` (``0``): ``1`` lets the entrypoint serve demo mode (artificial identity codes only).

Steps: refuse demo mode (unless allowed) and run the system checks with the deployment checks (the demo keys and
debug are errors in production mode), migrate, collect the static files, then start the processes and supervise them:
SIGTERM or SIGINT stops both gracefully; if one exits, the other is stopped and the entrypoint exits with its status,
so the hosting platform restarts the whole.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from polku.core import queues
from polku.core.views import unapplied_migrations

STOP_GRACE_SECONDS = 30


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "") or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise CommandError(f"{name}: kokonaisluku, saatiin {raw!r}") from None
    if value < 0:
        raise CommandError(f"{name}: ei voi olla negatiivinen")
    return value


PROCESSES = ("web", "worker", "import-worker")


def processes() -> list[str]:
    wanted = [p.strip() for p in os.environ.get("POLKU_PROCESSES", ",".join(PROCESSES)).split(",") if p.strip()]
    if not wanted or set(wanted) - set(PROCESSES):
        raise CommandError("POLKU_PROCESSES: pilkuin eroteltuina web, worker ja import-worker (tai osa niistä)")
    return list(dict.fromkeys(wanted))


def gunicorn_command() -> list[str]:
    bind = os.environ.get("POLKU_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
    return [sys.executable, "-m", "gunicorn", "polku.wsgi:application", "--bind", bind,
            "--workers", str(_env_int("POLKU_WEB_WORKERS", 2) or 1),
            "--threads", str(_env_int("POLKU_WEB_THREADS", 4) or 1),
            "--timeout", str(_env_int("POLKU_WEB_TIMEOUT", 120)),
            "--graceful-timeout", str(STOP_GRACE_SECONDS - 5), "--no-control-socket"]


def worker_command(*queue_names: str) -> list[str]:
    """``polku worker`` on every queue, or on the named ones: the import worker on ``queues.IMPORTS``, and beside it
    the general worker on ``queues.DEFAULT`` only, so that imports still run one after another, on one worker."""
    chosen = ["--queue-name", ",".join(queue_names)] if queue_names else []
    return [sys.executable, "-m", "polku.cli", "worker", "--retry-interrupted", *chosen]


def commands_for(wanted: list[str]) -> dict[str, list[str]]:
    """The command line of each wanted process: the general worker leaves the imports to an import worker beside it."""
    general = worker_command(queues.DEFAULT) if "import-worker" in wanted else worker_command()
    commands = {"web": gunicorn_command(), "worker": general, "import-worker": worker_command(queues.IMPORTS)}
    return {name: commands[name] for name in wanted}


class Command(BaseCommand):
    help = ("Tuotantokäynnistys: tarkistaa asetukset, ajaa migraatiot, kerää staattiset tiedostot ja käynnistää "
            "gunicornin ja taustatyöntekijän (asetukset vain ympäristömuuttujista).")
    requires_system_checks: list[str] = []  # run below, with the deployment checks

    def add_arguments(self, parser: CommandParser) -> None:
        pass  # configured by the environment only

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = processes()
        self._check_settings()
        if "web" in wanted:
            if os.environ.get("POLKU_MIGRATE", "1") != "0":
                call_command("migrate", interactive=False, verbosity=1)
            call_command("collectstatic", interactive=False, verbosity=0)
        else:
            self._wait_for_migrations(_env_int("POLKU_MIGRATION_WAIT", 300))
        connections.close_all()  # the children open their own
        self._supervise(commands_for(wanted))

    def _check_settings(self) -> None:
        if not settings.POLKU_PRODUCTION and os.environ.get("POLKU_ALLOW_DEMO") != "1":
            raise CommandError("Demotila (POLKU_ARTIFICIAL_IDS_ONLY=1): tuotannossa aseta POLKU_ARTIFICIAL_IDS_ONLY=0, "
                               "POLKU_SECRET_KEY ja POLKU_PERSONAL_ID_KEY; demon saa käyntiin POLKU_ALLOW_DEMO=1.")
        # Errors stop here (the demo keys, debug, a short key); warnings are printed.
        call_command("check", deploy=True, fail_level="ERROR")

    def _wait_for_migrations(self, seconds: int) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if unapplied_migrations() == 0:
                    return
            except DatabaseError:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"Tietokantaa ei ole migroitu {seconds} sekunnissa (POLKU_MIGRATION_WAIT).")
            connections.close_all()
            time.sleep(2)

    def _supervise(self, commands: dict[str, list[str]]) -> None:
        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping: list[int] = []

        def stop(signum: int, frame: Any) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for name, command in commands.items():
            children[name] = subprocess.Popen(command)  # noqa: S603 - our own interpreter and modules
            self.stdout.write(f"== {name} käynnissä (pid {children[name].pid})")
        self.stdout.flush()
        exited: tuple[str, int] | None = None
        while not stopping and exited is None:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    exited = (name, code)
                    break
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if exited is not None:
            name, code = exited
            raise CommandError(f"{name} pysähtyi (paluuarvo {code}); myös muut prosessit pysäytettiin.",
                               returncode=code or 1)
        self.stdout.write("== pysäytetty")
