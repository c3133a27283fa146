"""Benchmark: the open-data PxWeb API under 20 concurrent anonymous clients (p50/p95 latency).

A scratch SQLite database in a temporary directory is migrated and filled with the ``sotkamo-2021`` simulation
(``--persons`` makes it smaller for a quick check); the cache lives in the same directory (``POLKU_VAR_DIR``), so
nothing of the checkout is touched. The site is served by gunicorn (gthread, ``--workers 2 --threads 4``, DEBUG off)
on a free loopback port. The tables are built in the loading process (the worker's job in production). First
the *cold* cost: each table's metadata is asked once from a fresh server (reading the stored build). Then 20 client
threads, each with one keep-alive connection, send a mix of requests as open-data
users do (after ``--warmup`` uncounted rounds): a table's metadata (GET), a PxWeb query answered as
JSON-stat 2.0, the same as CSV, a query of the latest 12 months with a wildcard, and a conditional GET with the
ETag (304). Output: one JSON line with the cold times, p50/p95/max per request kind and overall, requests per second
and errors; a non-200/304 answer makes the exit status non-zero. The load generator shares the cores with gunicorn,
so latencies include that contention.

Usage: python benchmarks/open_data.py [--clients 20] [--requests 25] [--persons N]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "sotkamo-2021"
TABLES = ("polku_tyonhakijat.px", "polku_tyonhaut.px", "polku_kuntaosuus.px")


def prepare(var_dir: Path, persons: int | None) -> dict[str, float]:
    os.environ["POLKU_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from polku.simulator.writers import simulate_into_database

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    simulate_into_database(PROFILE, seed=1, progress=False, persons=persons)
    load_s = round(time.perf_counter() - started, 1)
    # The worker builds the tables and requests only serve them (``benchmarks/open_data_serving.py`` measures the
    # build): here they are built once in this process, so the server answers instead of 503 "not built yet".
    from polku.open_data.builds import build_now

    started = time.perf_counter()
    build_now()
    return {"load_s": load_s, "build_s": round(time.perf_counter() - started, 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, float, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json"} if data else {}
    all_headers.update(headers or {})
    started = time.perf_counter()
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000, {k.lower(): v for k, v in response.getheaders()}


def query(fmt: str, **selection: tuple[str, list[str]]) -> dict[str, Any]:
    return {"query": [{"code": code, "selection": {"filter": kind, "values": values}}
                      for code, (kind, values) in selection.items()], "response": {"format": fmt}}


def mix(n: int) -> list[tuple[str, str, str, Any]]:
    """(kind, method, path, body) for the n-th request of a client."""
    table = TABLES[n % len(TABLES)]
    path = f"/api/v1/fi/Polku/{table}"
    return [
        ("metadata", "GET", path, None),
        ("json-stat2", "POST", path, query("json-stat2", Alue=("all", ["*"]))),
        ("csv", "POST", path, query("csv", Alue=("all", ["KU*"]))),
        ("latest-12", "POST", path, query("json-stat2", Kuukausi=("top", ["12"]))),
        ("not-modified", "GET", path, None),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 1) if ordered else 0.0


def main() -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="request rounds (five kinds each) per client")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds per client first (warms both workers)")
    parser.add_argument("--persons", type=int, default=None, help="a smaller simulated population (quick check)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="polku-bench-open-data-") as tmp:
        var_dir = Path(tmp)
        timings = prepare(var_dir, args.persons)
        port = free_port()
        env = {**os.environ, "POLKU_DEBUG": "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "polku.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
             "--no-control-socket", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.2)
            cold: dict[str, float] = {}
            etags: dict[str, str] = {}
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            for table in TABLES:
                status, ms, headers = request(connection, "GET", f"/api/v1/fi/Polku/{table}")
                if status != 200:
                    raise RuntimeError(f"cold {table}: {status}")
                cold[table] = round(ms, 1)
                etags[table] = headers.get("etag", "")
            connection.close()

            latencies: dict[str, list[float]] = {}
            errors: list[str] = []
            lock = threading.Lock()

            def client(index: int) -> None:
                own = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                for n in range(args.warmup + args.requests):
                    for kind, method, path, body in mix(index + n):
                        headers = {"If-None-Match": etags[path.rsplit("/", 1)[1]]} if kind == "not-modified" else {}
                        try:
                            status, ms, _ = request(own, method, path, body, headers)
                        except (OSError, http.client.HTTPException) as error:
                            with lock:
                                errors.append(f"{kind}: {error}")
                            own.close()
                            own = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                            continue
                        with lock:
                            if n >= args.warmup:
                                latencies.setdefault(kind, []).append(ms)
                            if status not in {200, 304} or (kind == "not-modified") != (status == 304):
                                errors.append(f"{kind}: {status}")
                own.close()

            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=30)
            if server.poll() is None:
                server.kill()
        every = [ms for values in latencies.values() for ms in values]
        print(json.dumps({
            "benchmark": "open_data", "engine": "sqlite", "profile": PROFILE, "persons": args.persons,
            "clients": args.clients, "requests": len(every), "errors": len(errors),
            "p50_ms": percentile(every, 0.5), "p95_ms": percentile(every, 0.95), "max_ms": percentile(every, 1.0),
            "mean_ms": round(statistics.fmean(every), 1) if every else 0.0,
            "requests_per_s": round(len(every) / wall, 1) if wall else 0.0,
            "by_kind": {kind: {"p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
                        for kind, v in sorted(latencies.items())},
            "cold_ms": cold, **timings,
        }))
        if errors:
            print("\n".join(errors[:20]), file=sys.stderr)
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
