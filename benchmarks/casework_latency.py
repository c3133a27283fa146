"""Benchmark: latency of the worklists and the client record under 20 concurrent users, on PostgreSQL.

The issue asks for p50/p95 latency of the worklist ``/asiakastyo/`` in every scope — a counsellor's own clients
(``mine``), their team's (``?rajaus=team``) and a manager's whole area (``?rajaus=area``) — with the
``kuopio-area-2023`` population (~16 000 open job seekers, ~220 counsellors with ~75 clients each), with the
goal that each p95 stays within 3× the framework floor, and of the client record ``/henkilot/<uuid>/`` (one of the
counsellor's own clients) within 5×. The floor is ``/terveys/`` (the liveness probe: same server and middleware, no
login, no query, no template). Beside it the *signed-in floor* ``/pohja/`` (:mod:`signed_in_floor`, served by the
benchmark's server only): a counsellor's session, user, second-factor check and staff profile, and the site's layout
around a heading — what any signed-in page costs before its own work; the summary gives each page's ratio to both.
Each client is a counsellor for the own and team worklists, the client record and the signed-in floor, and the
area's manager (one account, a session per client) for the area worklist.

Steps: a scratch database ``polku_bench_casework`` (or ``$POLKU_BENCH_CASEWORK_DB``) is (re)created, migrated and
filled in a child process (the simulator, then ``polku.casework.demo.simulate_casework``, then VACUUM ANALYZE; load
time reported separately; then the due-items table is rebuilt as the daily job would); 20 of the generated
counsellors, spread over all teams, get known passwords, and the area gets a manager. The site is served
by gunicorn (gthread, ``--workers 2 --threads 4``, DEBUG off) on a free loopback port. Each of 20 client
threads logs in through the real login form as a different counsellor and keeps one HTTP/1.1 keep-alive
connection; only the HTML is fetched. All clients then run the phases together, each phase starting when
every client has finished the previous one:

* ``warmup``: mixed rounds, not counted;
* ``mixed``: rounds of every page (the three worklists, the client record, the signed-in floor and the floor;
  order rotated per client): realistic traffic, but a saturated server answers the floor only after the heavy
  requests queued before it, so the mixed floor measures the queue and the mixed ratio stays near 1 whatever the
  worklist costs;
* ``isolated``: every client asks for one page only (each page in turn; the floor 5× and the signed-in floor 3× as
  many times, as their phases are short). The headline ``ratio`` is the largest of the pages' ratios to the
  isolated floor (goals: worklists ≤ 3, client record ≤ 5): same concurrency, same server, only the page's own
  work differs.

After the HTTP phases, a child process times the team's and the area's worklist in process on the same database,
with the scope given as the access policy's query of persons (a home-spell check per row of the due-items table, as
before) and as the table's own columns (``selectors.scope_rows``), alternating, and checks both give the same
worklist (``phase: in_process``, ``ratio_columns_to_persons``; ``--scope-repeats``).

Everything is torn down at the end, also on failure (``--keep-db`` keeps and reuses the database while
developing). Output: one JSON line per phase and page, then a summary with the ratios, the load time, wall
time and peak memory (gunicorn master + workers, sampled every 0.25 s; this process; the loading child).
Any non-200 answer or failed request is counted, reported and makes the exit status non-zero. The load
generator shares the 2 cores with gunicorn and PostgreSQL, so latencies include that contention.

Each phase also counts the processor time it cost, per request: gunicorn's (master and workers), PostgreSQL's (every
``postgres`` process of the machine, with its ended backends) and this load generator's (``cpu_ms_per_request``,
``ratio_*_cpu_to_floor_cpu``). With the server saturated, a page's latency ratio to the floor comes to about its
cost ratio; the cost says where the time goes (Python or the database). On a shared virtual machine both move between
runs (a tenth to a fifth): compare runs made one after the other, several times.

Usage: python benchmarks/casework_latency.py [--clients 20] [--rounds 10] [--isolated 10] [--keep-db]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("POLKU_BENCH_CASEWORK_DB", "polku_bench_casework")  # a scratch database of its own
PROFILE = "kuopio-area-2023"
AREA = "kuopio"
PASSWORD = "polku-bench-casework"  # scratch database only, dropped at the end  # noqa: S105
GOAL_RATIO = 3.0  # every worklist scope
GOAL_RATIO_RECORD = 5.0  # the client record
PAGES = ("worklist", "worklist_team", "worklist_area", "client_record", "listed_floor", "record_floor",
         "signed_in_floor", "floor")
PATHS = {"worklist": "/asiakastyo/", "worklist_team": "/asiakastyo/?rajaus=team",
         "worklist_area": "/asiakastyo/?rajaus=area", "client_record": "/henkilot/<uuid>/",
         "listed_floor": "/pohja/lista/", "record_floor": "/pohja/henkilo/<uuid>/",
         "signed_in_floor": "/pohja/", "floor": "/terveys/"}
FLOORS = ("floor", "signed_in_floor", "listed_floor", "record_floor")  # the baselines, not pages with goals
# What the issue's rules make a page do before its own work (benchmarks/signed_in_floor.py): the worklists' and the
# record's.
REQUIRED_FLOORS = {"worklist": "listed_floor", "worklist_team": "listed_floor", "worklist_area": "listed_floor",
                   "client_record": "record_floor"}
# Rounds of the isolated phase, for a phase as long as a page's:
ISOLATED_SHARE = {"floor": 5, "signed_in_floor": 3, "listed_floor": 2, "record_floor": 3}
MANAGER = "bench.palvelupaallikko"
PAGE_ROWS = 100  # the worklist page's rows (casework.views.PAGE_SIZE)
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- loading (child process, Django configured for the scratch database) ---------------------------------------


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _recreate_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")


def _database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone() is not None


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def worker_prepare(url: str, clients: int, reuse: bool) -> dict:
    """Create and fill the scratch database; pick ``clients`` counsellors and give them known passwords."""
    timings: dict[str, float] = {}
    reused = reuse and _database_exists(url)
    if not reused:
        _recreate_database(url)
    _django(url.rsplit("/", 1)[0] + f"/{BENCH_DB}")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from polku.casework.demo import TeamPlan, simulate_casework
    from polku.casework.models import CaseAssignment
    from polku.people.models import Person
    from polku.simulator.writers import simulate_into_database

    counts: dict[str, int] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)  # a kept database follows the code's migrations too
    timings["migrate"] = time.perf_counter() - started
    if not reused:
        started = time.perf_counter()
        simulate_into_database(PROFILE, seed=1, progress=False)
        timings["simulate"] = time.perf_counter() - started
        print(f"simulated {PROFILE} in {timings['simulate']:.0f} s", file=sys.stderr, flush=True)
        started = time.perf_counter()
        counts = simulate_casework(AREA, team_plan=TeamPlan(), first_counsellor=None, fresh=12)
        timings["casework"] = time.perf_counter() - started
        print(f"case work generated in {timings['casework']:.0f} s: {counts}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # ANALYZE, and the visibility map a long-running database has
        timings["vacuum_analyze"] = time.perf_counter() - started
    _rebuild_due_items(counts, timings)

    started = time.perf_counter()
    by_counsellor: dict[int, list[str]] = {}
    for counsellor_id, person_id in CaseAssignment.objects.filter(
            ended_at__isnull=True, counsellor__isnull=False).values_list("counsellor_id", "person_id"):
        by_counsellor.setdefault(counsellor_id, []).append(str(person_id))
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(by_counsellor)).select_related(
        "staff_profile__team")}

    def natural(user: Any) -> tuple[str, int]:
        prefix, _dot, number = user.get_username().rpartition(".")
        return (prefix, int(number)) if number.isdigit() else (user.get_username(), 0)

    ordered = sorted(users.values(), key=natural)
    if len(ordered) < clients:
        raise RuntimeError(f"only {len(ordered)} counsellors with clients, {clients} wanted")
    chosen = [ordered[i * len(ordered) // clients] for i in range(clients)]  # spread over every team
    logins = []
    for user in chosen:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        team = user.staff_profile.team
        logins.append({"username": user.get_username(), "team": team.name if team else "",
                       "clients": sorted(by_counsellor[user.pk])})
    _manager(by_counsellor)
    timings["logins"] = time.perf_counter() - started
    assignments = sum(len(ids) for ids in by_counsellor.values())
    return {
        "timings": timings, "reused": reused, "casework": counts, "persons": Person.objects.count(),
        "open_assignments": assignments, "counsellors": len(by_counsellor),
        "clients_per_counsellor": round(assignments / len(by_counsellor), 1), "logins": logins,
        "database_mb": round(_database_size(connection) / 2**20),
    }


def _rebuild_due_items(counts: dict[str, int], timings: dict[str, float]) -> None:
    """Rebuild the due-items table as the daily job would (absent in code before the table was built)."""
    rebuild: Any
    try:
        from polku.casework.due_table import rebuild
    except ImportError:
        return
    started = time.perf_counter()
    counts["due_table_clients"] = rebuild()
    timings["due_items_rebuild"] = time.perf_counter() - started
    print(f"due-items table rebuilt in {timings['due_items_rebuild']:.1f} s", file=sys.stderr, flush=True)


def _manager(by_counsellor: dict[int, list[str]]) -> None:
    """The area's manager (palvelupäällikkö), for the area worklist: the area of the counsellors."""
    from django.contrib.auth import get_user_model

    from polku.access.models import Role, StaffProfile

    counsellor = StaffProfile.objects.filter(user_id__in=list(by_counsellor)).exclude(area=None).first()
    if counsellor is None:
        raise RuntimeError("no counsellor with an area")
    user, _created = get_user_model().objects.get_or_create(username=MANAGER)
    user.set_password(PASSWORD)
    user.save()
    StaffProfile.objects.update_or_create(user=user, defaults={"role": Role.MANAGER, "area": counsellor.area, "team": None})


def _database_size(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


# --- the server ------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    workers: int
    threads: int
    peak_rss_kb: int = 0
    peak_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def pids(self) -> list[int]:
        """The master and its worker processes."""
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        pids.append(int(entry.name))
        return pids

    def sample(self) -> None:
        total = 0
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        self.peak_rss_kb = max(self.peak_rss_kb, total)
        self.peak_processes = max(self.peak_processes, len(pids))

    def sample_until_stopped(self) -> None:
        while not self._stop.wait(0.25):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self.process.poll() is None:
            started = self.pids()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                for pid in started[1:]:  # workers still busy with a request are left behind by a killed master
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)


def start_server(database_url: str, workers: int, threads: int, log_dir: Path,
                 settings_module: str = "polku.settings") -> Server:
    """gunicorn serving the product (``settings_module``: this benchmark's own adds the signed-in floor's page)."""
    port = _free_port()
    log = log_dir / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings_module,
           "POLKU_DEBUG": "0", "POLKU_ALLOWED_HOSTS": "127.0.0.1,localhost", "POLKU_LOG_LEVEL": "WARNING"}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "polku.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
             "--timeout", "120", "--keep-alive", "30", "--chdir", str(ROOT)],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(process, port, log, workers, threads)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/terveys/")
            if connection.getresponse().status == 200:
                connection.close()
                threading.Thread(target=server.sample_until_stopped, daemon=True).start()
                return server
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer in 90 s:\n{log.read_text(errors='replace')[-3000:]}")


def _cpu_seconds(pid: int | str, *, children: bool = False) -> float:
    """User and system time of a process (with that of its ended children, which it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def _database_cpu_seconds() -> float | None:
    """Every PostgreSQL process's time, the postmaster's ended backends included (a connection closed during the
    phase). The machine's whole server: the benchmark runs alone on it. None when no server process is to be seen
    (a server on another machine or in a container of its own): then no figure, rather than a zero."""
    total, seen = 0.0, False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    total += _cpu_seconds(entry.name, children=True)
                    seen = True
    return total if seen else None


@dataclass(frozen=True)
class CpuSample:
    server: float  # gunicorn: the master with its ended workers (one restarted on the way), and the workers
    database: float | None  # None: not to be seen from here
    client: float  # this process: the load generator's threads, with the memory sampler and these probes

    @classmethod
    def of(cls, server: Server) -> CpuSample:
        gunicorn = 0.0
        for pid in server.pids():
            with contextlib.suppress(OSError, ValueError, IndexError):
                gunicorn += _cpu_seconds(pid, children=pid == server.process.pid)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(gunicorn, _database_cpu_seconds(), usage.ru_utime + usage.ru_stime)

    def __sub__(self, other: CpuSample) -> CpuSample:
        database = (None if self.database is None or other.database is None else self.database - other.database)
        return CpuSample(self.server - other.server, database, self.client - other.client)


# --- the load generator --------------------------------------------------------------------------------------


class Browser:
    """One logged-in user: a keep-alive connection and a cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "fi", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed an idle keep-alive connection: reconnect once (GET and the login POST only)
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, content, response

    def login(self, username: str) -> None:
        status, page, _response = self.request("GET", "/kirjaudu/")
        token = CSRF_FIELD.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"login form: HTTP {status}, csrf token {'found' if token else 'missing'}")
        body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": username,
                          "password": PASSWORD, "next": ""}).encode()
        status, _content, response = self.request(
            "POST", "/kirjaudu/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or "sessionid" not in self.cookies or "/kirjaudu/" in (response.getheader("Location") or ""):
            raise RuntimeError(f"login as {username} failed: HTTP {status}")

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)

    def close(self) -> None:
        self.connection.close()


@dataclass
class Results:
    """Latencies of the 200 answers and counts of the failures, by (phase, page)."""

    latencies: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    errors: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    bytes: dict[tuple[str, str], int] = field(default_factory=dict)
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: tuple[str, str], seconds: float, status: int | str, size: int) -> None:
        with self.lock:
            self.done += 1
            if status == 200:
                self.latencies.setdefault(key, []).append(seconds)
                self.bytes[key] = self.bytes.get(key, 0) + size
            else:
                bucket = self.errors.setdefault(key, {})
                bucket[str(status)] = bucket.get(str(status), 0) + 1


def _path(page: str, clients: list[str], n: int) -> str:
    if page == "client_record":
        return f"/henkilot/{clients[n % len(clients)]}/"
    if page == "record_floor":
        return f"/pohja/henkilo/{clients[n % len(clients)]}/"
    return PATHS[page]


def _timed(browser: Browser, key: tuple[str, str], path: str, results: Results | None) -> None:
    started = time.perf_counter()
    try:
        status: int | str
        status, content, _response = browser.request("GET", path)
    except (OSError, http.client.HTTPException) as error:
        status, content = type(error).__name__, b""
        browser.reconnect()  # a timed-out connection is mid-request: a new one for the next request
    if results is not None:
        results.record(key, time.perf_counter() - started, status, len(content))


@dataclass(frozen=True)
class Phase:
    name: str  # "warmup" (not recorded), "mixed" or "isolated"
    pages: tuple[str, ...]  # one round: these pages in turn, the order rotated per client
    rounds: int


@dataclass
class Plan:
    """The phases every client runs; each phase starts when all clients (and the main thread) are ready."""

    clients: int
    phases: list[Phase]
    max_seconds: float  # per phase: a client starts no new round after this
    deadline: float = float("inf")
    truncated: list[str] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    cpu: list[CpuSample] = field(default_factory=list)  # at each phase's start, and at the end
    probe: Any = None  # () -> CpuSample, set when the server runs
    barrier: threading.Barrier = field(init=False)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.clients + 1, action=self._start)

    def _start(self) -> None:
        if self.probe is not None:
            self.cpu.append(self.probe())
        self.starts.append(time.perf_counter())
        self.deadline = time.monotonic() + self.max_seconds

    def requests(self) -> int:
        """Requests counted (the warm-up is not)."""
        return sum(len(p.pages) * p.rounds for p in self.phases if p.name != "warmup") * self.clients


def client_thread(index: int, browsers: tuple[Browser, Browser], clients: list[str], plan: Plan,
                  results: Results) -> None:
    """``browsers``: the counsellor's session, and the manager's for the area worklist."""
    n = 0  # walks through the counsellor's own clients, one record per round
    for phase in plan.phases:
        order = [phase.pages[(index + k) % len(phase.pages)] for k in range(len(phase.pages))]
        plan.barrier.wait()
        for _round in range(phase.rounds):
            if time.monotonic() > plan.deadline:
                if phase.name not in plan.truncated:
                    plan.truncated.append(phase.name)
                break
            for page in order:
                browser = browsers[1] if page == "worklist_area" else browsers[0]
                _timed(browser, (phase.name, page), _path(page, clients, n), None if phase.name == "warmup" else results)
            n += 1
    plan.barrier.wait()


def _progress(results: Results, total: int, stop: threading.Event) -> None:
    started = time.monotonic()
    while not stop.wait(15):
        print(f"  {results.done}/{total} requests, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def run_load(server: Server, logins: list[dict], plan: Plan) -> tuple[Results, dict[str, float]]:
    """Log every client in, run the phases; the results and the seconds each phase took."""
    browsers = [Browser(server.port) for _login in logins]
    managers = [Browser(server.port) for _login in logins]
    started = time.perf_counter()
    errors: list[BaseException] = []

    def login(browser: Browser, username: str) -> None:
        try:
            browser.login(username)
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            errors.append(error)

    threads = [threading.Thread(target=login, args=(b, entry["username"])) for b, entry in zip(browsers, logins, strict=True)]
    threads += [threading.Thread(target=login, args=(b, MANAGER)) for b in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} logins failed, first: {errors[0]}")
    print(f"{len(logins)} counsellors logged in in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    results = Results()
    plan.probe = lambda: CpuSample.of(server)
    threads = [threading.Thread(target=client_thread, args=(i, (b, m), entry["clients"], plan, results), daemon=True)
               for i, (b, m, entry) in enumerate(zip(browsers, managers, logins, strict=True))]
    for thread in threads:
        thread.start()
    stop = threading.Event()
    threading.Thread(target=_progress, args=(results, plan.requests(), stop), daemon=True).start()
    seconds: dict[str, float] = {}
    for phase in plan.phases:
        plan.barrier.wait()
        print(f"phase {phase.name} {'+'.join(phase.pages)}: {phase.rounds} rounds × {len(logins)} clients",
              file=sys.stderr, flush=True)
    plan.barrier.wait()
    stop.set()
    for phase, begun, ended in zip(plan.phases, plan.starts, plan.starts[1:], strict=False):
        seconds[f"{phase.name}:{'+'.join(phase.pages)}"] = ended - begun
    for thread in threads:
        thread.join()
    for browser in browsers + managers:
        browser.close()
    return results, seconds


def _summary(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50_ms": None, "p95_ms": None, "mean_ms": None, "max_ms": None}
    if len(samples) == 1:
        p50 = p95 = samples[0]
    else:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        p50, p95 = cuts[49], cuts[94]
    return {"p50_ms": round(p50 * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "mean_ms": round(statistics.fmean(samples) * 1000, 1), "max_ms": round(max(samples) * 1000, 1)}


def worker_scope(url: str, repeats: int) -> list[dict]:
    """In process, on the loaded database: the team's and the area's worklist (counts and the first page) read from
    the due-items table with the scope as the access policy's query of persons (a home-spell check per table row:
    the way before) and as the table's own columns (``selectors.scope_rows``); the two alternate, so both see the
    same caches. Both must give the same worklist."""
    _django(url.rsplit("/", 1)[0] + f"/{BENCH_DB}")
    from statistics import median

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from polku.access.models import Role
    from polku.casework import due_table, selectors

    today = timezone.localdate()
    if due_table.table_day() != today:
        due_table.rebuild(today)
    users = get_user_model().objects
    counsellor = users.filter(staff_profile__role=Role.COUNSELLOR, staff_profile__team__isnull=False).order_by("pk")[0]
    cases = [("worklist_team", counsellor, selectors.Scope.TEAM), ("worklist_area", users.get(username=MANAGER),
                                                                     selectors.Scope.AREA)]
    lines = []
    for page, user, scope in cases:
        persons, rows = selectors.scope_persons(user, scope), selectors.scope_rows(user, scope)
        seconds: dict[str, list[float]] = {"persons": [], "columns": []}
        shown: dict[str, Any] = {}
        for _ in range(repeats):
            for path, given in (("persons", None), ("columns", rows)):
                started = time.perf_counter()
                result = selectors.worklist(persons, today, rows=given)
                first = [(r.person_id, r.item.kind, r.item.due_on) for r in result.rows[:PAGE_ROWS]]
                seconds[path].append(time.perf_counter() - started)
                shown[path] = (first, result.counts, result.states, result.clients)
        before, after = median(seconds["persons"]), median(seconds["columns"])
        lines.append({"benchmark": "casework_latency", "engine": "postgresql", "phase": "in_process", "page": page,
                      "clients_in_scope": shown["columns"][3], "repeats": repeats,
                      "median_ms_scope_as_persons": round(before * 1000, 1),
                      "median_ms_scope_as_columns": round(after * 1000, 1),
                      "ratio_columns_to_persons": round(after / before, 3) if before else None,
                      "same_worklist": shown["persons"] == shown["columns"],
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    return lines


def _child_scope(url: str, repeats: int) -> list[dict]:
    done = subprocess.run([sys.executable, __file__, "--worker", "scope", url, str(repeats)],
                          check=False, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the in-process scope comparison failed:\n{done.stderr[-4000:]}")
    return [json.loads(line) for line in done.stdout.strip().splitlines() if line.startswith("{")]


def _child_prepare(url: str, clients: int, reuse: bool) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", "prepare", url, str(clients), "1" if reuse else "0"],
                          check=False, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"loading failed:\n{done.stderr[-4000:]}")
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs="+")
    parser.add_argument("--clients", type=int, default=20, help="concurrent users, each a different counsellor")
    parser.add_argument("--warmup", type=int, default=2, help="uncounted mixed rounds per user first")
    parser.add_argument("--rounds", type=int, default=10, help="mixed rounds (every page) per user")
    parser.add_argument("--isolated", type=int, default=10, help="requests per user and page in the isolated phases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=180, help="a phase starts no new round after this")
    parser.add_argument("--keep-db", action="store_true", help="reuse the scratch database if present; keep it")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--scope-repeats", type=int, default=7,
                        help="in-process timings of the team and area worklists, scope as persons vs as columns")
    args, _unknown = parser.parse_known_args()  # `make bench` passes every benchmark the same arguments
    return args


def main() -> int:
    args = _arguments()
    if args.worker and args.worker[0] == "scope":
        for line in worker_scope(args.worker[1], int(args.worker[2])):
            print(json.dumps(line))
        return 0
    if args.worker:
        _kind, url, clients, reuse = args.worker
        result = worker_prepare(url, int(clients), reuse == "1")
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    if args.skip_postgres:
        print(json.dumps({"benchmark": "casework_latency", "engine": "postgresql", "skipped": "--skip-postgres"}))
        return 0
    sys.path.insert(0, str(ROOT))
    from polku.core.dbcheck import reachable

    url = os.environ.get("POLKU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/polku")
    if not reachable(url):
        print(json.dumps({"benchmark": "casework_latency", "engine": "postgresql", "skipped": "unreachable"}))
        return 0
    wall = time.perf_counter()
    server: Server | None = None
    plan = Plan(clients=args.clients, max_seconds=args.max_seconds, phases=[
        Phase("warmup", PAGES, args.warmup), Phase("mixed", PAGES, args.rounds),
        *(Phase("isolated", (page,), args.isolated * ISOLATED_SHARE.get(page, 1)) for page in PAGES)])
    try:
        started = time.perf_counter()
        data = _child_prepare(url, args.clients, args.keep_db)
        data["load_seconds"] = time.perf_counter() - started
        with tempfile.TemporaryDirectory(prefix="polku-bench-casework-") as tmp:
            started = time.perf_counter()
            # The product's settings and URLs with one page more: the signed-in floor (benchmarks/signed_in_floor.py).
            server = start_server(url.rsplit("/", 1)[0] + f"/{BENCH_DB}", args.workers, args.threads, Path(tmp),
                                  settings_module="benchmarks.signed_in_floor_settings")
            print(f"gunicorn up on port {server.port} in {time.perf_counter() - started:.1f} s", file=sys.stderr,
                  flush=True)
            results, phase_seconds = run_load(server, data["logins"], plan)
            server.sample()
            server_log = server.log.read_text(errors="replace")
            server.stop()
        for line in _child_scope(url, args.scope_repeats):
            print(json.dumps({**line, "clients": args.clients}), flush=True)
    finally:
        if server is not None:
            server.stop()
        if not args.keep_db:
            _drop_database(url)
    failed = report(args, data, plan, results, server, phase_seconds=phase_seconds,
                    wall_seconds=time.perf_counter() - wall)
    if failed:
        print(f"{failed} requests failed; server log tail:\n{server_log[-3000:]}", file=sys.stderr)
        return 1
    return 0


def _phase_cpu(plan: Plan, results: Results) -> dict[tuple[str, str], dict[str, float]]:
    """Processor milliseconds per request of each one-page phase: gunicorn's, PostgreSQL's, the load generator's
    and their sum (``all``). A phase's requests are the answered and the failed alike. No figure for a phase whose
    database server could not be seen (its sum would leave the database out)."""
    found = {}
    for phase, before, after in zip(plan.phases, plan.cpu, plan.cpu[1:], strict=False):
        if phase.name == "warmup" or len(phase.pages) != 1:
            continue
        key = (phase.name, phase.pages[0])
        requests = len(results.latencies.get(key, [])) + sum(results.errors.get(key, {}).values())
        spent = after - before
        if requests and spent.database is not None:
            found[key] = {"server": round(spent.server * 1000 / requests, 2),
                          "database": round(spent.database * 1000 / requests, 2),
                          "client": round(spent.client * 1000 / requests, 2),
                          "all": round((spent.server + spent.database + spent.client) * 1000 / requests, 2)}
    return found


def report(args: argparse.Namespace, data: dict, plan: Plan, results: Results, server: Server, *,
           phase_seconds: dict[str, float], wall_seconds: float) -> int:
    """Print one JSON line per (phase, page) and the summary; return the number of failed requests."""
    total_errors = sum(sum(bucket.values()) for bucket in results.errors.values())
    common = {"benchmark": "casework_latency", "engine": "postgresql", "profile": PROFILE, "clients": args.clients}
    paths = PATHS
    keys = [(phase.name, page) for phase in plan.phases if phase.name != "warmup" for page in phase.pages]
    stats = {key: _summary(results.latencies.get(key, [])) for key in keys}
    cpu = _phase_cpu(plan, results)
    for key in keys:
        samples, errors = results.latencies.get(key, []), sum(results.errors.get(key, {}).values())
        print(json.dumps({
            **common, "phase": key[0], "page": key[1], "path": paths[key[1]], "requests": len(samples) + errors,
            "ok": len(samples), "errors": errors, "error_statuses": results.errors.get(key, {}), **stats[key],
            "mean_kb": round(results.bytes.get(key, 0) / len(samples) / 1024, 1) if samples else None,
            **({"cpu_ms_per_request": cpu[key]} if key in cpu else {}),
        }), flush=True)

    def cpu_ratio(page: str, floor: str = "floor") -> float | None:
        top, bottom = cpu.get(("isolated", page)), cpu.get(("isolated", floor))
        return round(top["all"] / bottom["all"], 2) if top and bottom and bottom["all"] else None

    def ratio(page: str, phase: str, floor: str = "floor") -> float | None:
        top, bottom = stats[(phase, page)]["p95_ms"], stats[(phase, floor)]["p95_ms"]
        return round(top / bottom, 2) if top and bottom else None

    ratios = {page: ratio(page, "isolated") for page in PAGES if page not in FLOORS}
    required = sorted(set(REQUIRED_FLOORS.values()))
    goals = {page: GOAL_RATIO_RECORD if page == "client_record" else GOAL_RATIO for page in ratios}
    met = {page: value is not None and value <= goals[page] for page, value in ratios.items()}
    headline = max((value for value in ratios.values() if value is not None), default=None)
    print(json.dumps({
        **common, "phase": "all", "page": "summary", "persons": data["persons"], "counsellors": data["counsellors"],
        "open_assignments": data["open_assignments"], "clients_per_counsellor": data["clients_per_counsellor"],
        "login_teams": sorted({entry["team"] for entry in data["logins"]}), "database_reused": data["reused"],
        "database_mb": data["database_mb"], "load_seconds": round(data["load_seconds"], 1),
        "load_steps_seconds": {key: round(value, 1) for key, value in data["timings"].items()},
        "server": f"gunicorn gthread --workers {args.workers} --threads {args.threads}",
        "rounds": {f"{phase.name}:{'+'.join(phase.pages)}": phase.rounds for phase in plan.phases},
        "truncated_phases": plan.truncated,
        "phase_seconds": {key: round(value, 1) for key, value in phase_seconds.items()},
        "wall_seconds": round(wall_seconds, 1),
        "server_peak_rss_mb": round(server.peak_rss_kb / 1024, 1), "server_processes": server.peak_processes,
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_peak_rss_mb": round(data["peak_rss_mb"], 1),
        "errors": total_errors,
        **{f"ratio_{page}_p95_to_floor_p95": value for page, value in ratios.items()},
        # What the framework alone takes of the budget: a signed-in page that does nothing but the layout.
        "ratio_signed_in_floor_p95_to_floor_p95": ratio("signed_in_floor", "isolated"),
        **{f"ratio_{page}_p95_to_signed_in_floor_p95": ratio(page, "isolated", "signed_in_floor") for page in ratios},
        # What the rules make each page do before its own work (the listed and the record floor), against the floor:
        # the part of each goal that is left for the page's own work is the goal less this.
        **{f"ratio_{floor}_p95_to_floor_p95": ratio(floor, "isolated") for floor in required},
        **{f"ratio_{floor}_cpu_to_floor_cpu": cpu_ratio(floor) for floor in required},
        **{f"ratio_{page}_p95_to_{REQUIRED_FLOORS[page]}_p95": ratio(page, "isolated", REQUIRED_FLOORS[page])
           for page in ratios},
        "ratio_mixed_worklist_p95_to_mixed_floor_p95": ratio("worklist", "mixed"),
        # What each request cost the machine (gunicorn, PostgreSQL and the load generator), against the floor's.
        **{f"ratio_{page}_cpu_to_floor_cpu": cpu_ratio(page) for page in [*ratios, "signed_in_floor"]},
        **{f"ratio_{page}_cpu_to_signed_in_floor_cpu": cpu_ratio(page, "signed_in_floor") for page in ratios},
        "goals": goals, "goals_met": met,
        "baseline": f"/terveys/ p95, 20 clients, floor only (isolated phase); goal worklists ≤ {GOAL_RATIO:.0f}×, "
                    f"client record ≤ {GOAL_RATIO_RECORD:.0f}×",
        "ratio": headline, "goal_met": all(met.values()),
    }), flush=True)
    return total_errors


if __name__ == "__main__":
    sys.exit(main())
