"""``polku serve-production`` as a hosting provider runs it: in production mode, configured only by environment
variables, against a PostgreSQL database of its own, on a free loopback port. It migrates the empty database, starts
gunicorn and the worker, answers on the readiness URL, and stops both on SIGTERM."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from polku.core.dbcheck import reachable
from tests.scratch_database import scratch_postgres

BASE_URL = os.environ.get("POLKU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/polku")
STARTUP_SECONDS = 240


@pytest.fixture
def database_url() -> Iterator[str]:
    if not reachable(BASE_URL):
        if os.environ.get("POLKU_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but cannot be reached at {BASE_URL}")
        pytest.skip(f"PostgreSQL not reachable at {BASE_URL}")
    with scratch_postgres(BASE_URL, "serve") as url:
        yield url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],  # noqa: S603, S607 - a fixed command
                         capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def test_the_entrypoint_migrates_serves_and_is_ready(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POLKU_", "DJANGO_")) and k != "DATABASE_URL"}
    env |= {"DATABASE_URL": database_url, "POLKU_ARTIFICIAL_IDS_ONLY": "0",
            "POLKU_SECRET_KEY": secrets.token_urlsafe(40), "POLKU_PERSONAL_ID_KEY": secrets.token_urlsafe(40),
            "POLKU_ALLOWED_HOSTS": "127.0.0.1", "POLKU_BIND": f"127.0.0.1:{port}", "POLKU_WEB_WORKERS": "1",
            "POLKU_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "POLKU_SMS_BACKEND": "disabled",
            "POLKU_VAR_DIR": str(tmp_path)}
    log = (tmp_path / "serve.log").open("w+b")
    server = subprocess.Popen([sys.executable, "-m", "polku.cli", "serve-production"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        status, body = 0, dict[str, str]()
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/terveys/valmis/")
            except (OSError, ValueError):
                status = 0
            if status == 200:
                break
            time.sleep(1)
        log.seek(0)
        output = log.read().decode(errors="replace")
        assert status == 200, output
        assert body == {"status": "ok", "database": "ok", "migrations": "ok"}
        assert _get(f"http://127.0.0.1:{port}/terveys/") == (200, {"status": "ok"})
        children = _children(server.pid)
        assert len(children) == 3, output  # gunicorn, the worker and the imports' worker
        with psycopg.connect(database_url) as conn:  # both workers announced themselves
            deadline = time.monotonic() + 30
            while conn.execute("SELECT count(*) FROM jobs_jobworker").fetchone()[0] < 2:  # type: ignore[index]
                assert time.monotonic() < deadline, output
                time.sleep(0.5)

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        for pid in children:  # all stopped with it
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        with psycopg.connect(database_url) as conn:  # the workers stopped gracefully: they signed off
            assert conn.execute("SELECT count(*) FROM jobs_jobworker").fetchone() == (0,)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_the_entrypoint_refuses_demo_mode() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLKU_", "DJANGO_"))}
    result = subprocess.run([sys.executable, "-m", "polku.cli", "serve-production"],
                            env={**env, "DATABASE_URL": "sqlite:///:memory:"}, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1
    assert "POLKU_ALLOW_DEMO=1" in result.stderr


def test_the_processes_are_named_and_the_import_worker_serves_the_imports_queue_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management.base import CommandError

    from polku.core import queues
    from polku.core.management.commands import serve_production

    monkeypatch.delenv("POLKU_PROCESSES", raising=False)
    assert serve_production.processes() == ["web", "worker", "import-worker"]
    monkeypatch.setenv("POLKU_PROCESSES", "worker, import-worker,worker")
    assert serve_production.processes() == ["worker", "import-worker"]
    monkeypatch.setenv("POLKU_PROCESSES", "web,importer")
    with pytest.raises(CommandError, match="import-worker"):
        serve_production.processes()
    assert serve_production.worker_command()[-2:] == ["worker", "--retry-interrupted"]
    assert serve_production.worker_command(queues.DEFAULT, queues.IMPORTS)[-2:] == ["--queue-name", "default,imports"]
    together = serve_production.commands_for(["worker", "import-worker"])
    assert together["worker"][-2:] == ["--queue-name", "default"]  # imports stay on one worker, one at a time
    assert together["import-worker"][-2:] == ["--queue-name", "imports"]
    assert serve_production.commands_for(["worker"])["worker"][-1] == "--retry-interrupted"  # alone: every queue
