"""Benchmark: 50 staff users at once for 10 minutes on PostgreSQL, with locust — errors and p95 per page.

Issue 19 asks for a load test of 50 concurrent users for 10 minutes against PostgreSQL with 0 errors and the
p95 of each page. Steps:

1. A scratch database ``polku_bench_load`` is (re)created, migrated and filled by ``polku demo_setup`` (the demo:
   Sotkamo and the Kuopio area, case work, one user per role), in a child process; the demo users get their
   demo passwords, and each counsellor's open clients are listed for the client-record requests.
2. The site is served by gunicorn (gthread, ``--workers 2 --threads 4``, DEBUG off) beside the background worker
   (``polku worker``), as in production.
3. Settling: every role opens each of its pages once, which queues the precomputed results (area forecasts,
   share early warnings, impact); the worker computes them while we wait for its queue to empty (at most
   ``--settle-minutes``), so the run measures the working day after the nightly refresh, not the first morning.
4. ``locust --headless`` with the users of ``benchmarks/load/locustfile.py`` (18 + 5 counsellors, 2 job agents, 5 team leads,
   6 managers, 5 analysts, 5 elected officials, 2 data protection officers, 2 data stewards; 2–6 s between pages)
   for ``--minutes``, one user more each second until all are signed in (password hashing is slow by design).

Output: one JSON line per page (requests, failures, p50, p95, max in ms), then a summary: users, minutes, requests,
failures (goal 0), the worst page p95, wall time and peak memory (gunicorn master + workers). The floor for the
ratio is the liveness probe ``/terveys/`` timed the same way after the run. Any failure makes the exit status
non-zero. The load generator shares the 2 cores with gunicorn, the worker and PostgreSQL.

Usage: python benchmarks/load_test.py [--users 50] [--minutes 10] [--settle-minutes 15] [--keep-db]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository first
from benchmarks.casework_latency import ROOT, Server, start_server

BENCH_DB = "polku_bench_load"
DEFAULT_URL = os.environ.get("POLKU_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LOCUSTFILE = Path(__file__).resolve().parent / "load" / "locustfile.py"


def _admin(url: str, statement: str) -> Any:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        return connection.execute(statement).fetchall() if statement.startswith("SELECT") else \
            connection.execute(statement)


def _bench_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def prepare(url: str, reuse: bool) -> dict:
    """Child process: fill the scratch database with the demo; the plan of who signs in and their clients."""
    exists = bool(_admin(url, f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"))
    if not (reuse and exists):
        _admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        _admin(url, f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = _bench_url(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from polku.casework.models import CaseAssignment
    from polku.cli.management.commands.demo_setup import DEMO_USERS, demo_password

    started = time.perf_counter()
    if not (reuse and exists):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("demo_setup", no_progress=True, stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    clients: dict[str, list[str]] = {}
    for username, person_id in CaseAssignment.objects.filter(ended_at__isnull=True).values_list(
            "counsellor__username", "person_id"):
        clients.setdefault(username or "", []).append(str(person_id))
    users = [username for username, *_rest in DEMO_USERS]
    # A team lead opens the records of the team's clients (the Sotkamo team is the demo counsellor's team).
    clients["tiiminvetaja"] = clients.get("ohjaaja.sotkamo", [])
    return {"passwords": {u: demo_password(u) for u in users},
            "clients": {u: sorted(clients.get(u, []))[:200] for u in users},
            "load_seconds": round(time.perf_counter() - started, 1), "reused": reuse and exists}


def _queue_length(url: str) -> int:
    import psycopg

    with psycopg.connect(_bench_url(url)) as connection:
        row = connection.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult "
                                 "WHERE status IN ('READY', 'RUNNING')").fetchone()
    return int(row[0]) if row else 0


def _settle(server: Server, plan_path: Path, url: str, minutes: float) -> dict:
    """Each role opens each of its pages once (through locust, one user per class, one pass), then the worker's
    queue is waited on."""
    env = {**os.environ, "POLKU_LOAD_PLAN": str(plan_path), "POLKU_LOAD_ONE_PASS": "1"}
    subprocess.run([sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", "50",
                    "--spawn-rate", "50", "--run-time", "40s", "--host", f"http://127.0.0.1:{server.port}",
                    "--only-summary", "--loglevel", "ERROR"], env=env, check=False, capture_output=True)
    deadline = time.monotonic() + minutes * 60
    waiting = _queue_length(url)
    while waiting and time.monotonic() < deadline:
        time.sleep(5)
        waiting = _queue_length(url)
    return {"queue_left": waiting}


def _floor(port: int, requests: int = 200) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        connection.request("GET", "/terveys/")
        connection.getresponse().read()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[int(0.95 * (len(samples) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--settle-minutes", type=float, default=15.0)
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database and reuse it next time")
    parser.add_argument("--database", default=DEFAULT_URL, help="any database URL of the PostgreSQL server to use")
    parser.add_argument("--prepare-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_child:
        Path(args.prepare_child).write_text(json.dumps(prepare(args.database, args.keep_db)), encoding="utf-8")
        return 0

    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="polku-load-") as scratch:
        work = Path(scratch)
        plan_path = work / "plan.json"
        subprocess.run([sys.executable, __file__, "--database", args.database, "--prepare-child", str(plan_path),
                        *(["--keep-db"] if args.keep_db else [])], check=True)
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        env_url = _bench_url(args.database)
        server = start_server(env_url, workers=2, threads=4, log_dir=work)
        worker = subprocess.Popen([str(Path(sys.executable).parent / "polku"), "worker", "-v0"], cwd=ROOT,
                                  env={**os.environ, "DATABASE_URL": env_url}, stdout=subprocess.DEVNULL,
                                  stderr=(work / "worker.log").open("wb"))
        try:
            settled = _settle(server, plan_path, args.database, args.settle_minutes)
            run = subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(args.users),
                 "--spawn-rate", "1", "--run-time", f"{int(args.minutes * 60)}s",
                 "--host", f"http://127.0.0.1:{server.port}", "--csv", str(work / "load"), "--only-summary",
                 "--loglevel", "ERROR"],
                env={**os.environ, "POLKU_LOAD_PLAN": str(plan_path)}, check=False, capture_output=True, text=True)
            floor_p95 = _floor(server.port)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            server.stop()
            if not args.keep_db:
                _admin(args.database, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        stats_file = work / "load_stats.csv"
        if not stats_file.exists():
            print(run.stderr[-3000:], file=sys.stderr)
            return 1
        rows = list(csv.DictReader(stats_file.open(encoding="utf-8")))
        failures_file = work / "load_failures.csv"
        failures = list(csv.DictReader(failures_file.open(encoding="utf-8"))) if failures_file.exists() else []

    pages = [row for row in rows if row["Name"] != "Aggregated"]
    for row in pages:
        print(json.dumps({"benchmark": "load_test", "page": row["Name"], "requests": int(row["Request Count"]),
                          "failures": int(row["Failure Count"]), "p50_ms": float(row["50%"]),
                          "p95_ms": float(row["95%"]), "max_ms": float(row["Max Response Time"])}), flush=True)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    worst = max(pages, key=lambda row: float(row["95%"]))
    summary = {
        "benchmark": "load_test", "database": "postgresql", "users": args.users, "minutes": args.minutes,
        "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
        "failure_kinds": [f"{f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures][:10],
        "p95_ms_all": float(total["95%"]), "worst_page": worst["Name"], "worst_page_p95_ms": float(worst["95%"]),
        "floor_p95_ms": round(floor_p95, 1), "ratio": round(float(total["95%"]) / floor_p95, 1) if floor_p95 else None,
        "settle": settled, "load_seconds": plan["load_seconds"], "wall_s": round(time.perf_counter() - wall, 1),
        "peak_server_mb": round(server.peak_rss_kb / 1024),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "server": "gunicorn gthread --workers 2 --threads 4, with the background worker",
    }
    print(json.dumps(summary), flush=True)
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
