"""Benchmark: page loads in a real browser — every page of the main navigation, for every role of the demo, the first
load after a data change and a warm load — with the goal that each page's p95 stays within 2 s.

Steps: a scratch PostgreSQL database ``polku_bench_pageload`` (or ``$POLKU_BENCH_PAGELOAD_DB``) is filled as
``make demo`` fills its own (``polku demo_setup``: Sotkamo and the Kuopio area simulated, case work, the demo users;
minutes, so ``--keep-db`` keeps and reuses it). The site is served by gunicorn (as ``benchmarks/casework_latency.py``
serves it, DEBUG off) with a cache directory of its own. Headless Debian Chromium (``/usr/bin/chromium``, driven by
Playwright; nothing leaves the machine) signs in as each demo user through the login form and reads the links of the
main navigation (``nav.site-nav``). Then, ``--repeats`` times for each user:

* a data change as a counsellor makes one (a meeting recorded through the case-work service, which refreshes the
  due-items table in its transaction) followed by what an import does after it commits (``refresh_derived_data``:
  every cached figure dropped, the background results queued again);
* every page of the user's navigation loaded once (``first``: the first load after the change), then once again
  (``warm``).

A load is timed from the navigation's start to the end of its ``load`` event (the browser's Navigation Timing: the
HTML, its styles and scripts, and charts' libraries). Precomputed pages answer at once with their latest result or a
progress bar (a page never waits for a model fit); no worker runs during the measurement (``--with-worker`` starts
one), so their progress bar is what is measured when a result is missing.

Output: a table (page × role, first and warm p95) on standard output, one JSON line per page with p95 over every role
and repeat, and a summary line (worst page, goal met, wall time, peak memory of the server). Any page answering other
than 200, or not loaded in 30 s (counted as 30 s in its figures), is reported and makes the exit status non-zero.

Usage: python benchmarks/page_load.py [--repeats 3] [--keep-db | --database-url URL] [--with-worker]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.casework_latency import Server, start_server  # noqa: E402  (run as a script: ROOT first)

BENCH_DB = os.environ.get("POLKU_BENCH_PAGELOAD_DB", "polku_bench_pageload")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOAL_SECONDS = 2.0
CHANGER = "ohjaaja"  # the counsellor whose client gets the meeting that changes the data


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone() is not None


def _recreate(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")


def _drop(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _manage(env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *arguments], cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-4000:]}")


def prepare(url: str, env: dict[str, str], reuse: bool) -> dict[str, Any]:
    """The demo's data in the scratch database (reused with ``--keep-db``); the seconds it took."""
    started = time.perf_counter()
    reused = reuse and _database_exists(url)
    if not reused:
        _recreate(url)
    _manage(env, "migrate", "--no-input", "-v0")
    if not reused:
        print("filling the demo data (polku demo_setup) …", file=sys.stderr, flush=True)
        _manage(env, "demo_setup", "--no-progress")
    else:
        _manage(env, "due_items", "rebuild")  # a kept database: today's due items, as the daily job makes them
    return {"reused": reused, "seconds": round(time.perf_counter() - started, 1)}


# --- the data change (in this process, on the same database and cache as the server) ---------------------------


def _django(env: dict[str, str]) -> None:
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "POLKU_VAR_DIR", "DJANGO_SETTINGS_MODULE")})
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    import django

    django.setup()


def change_data() -> float:
    """Record a meeting for one of the counsellor's clients and refresh as after an import; the seconds it took."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from polku.casework import services
    from polku.casework.models import CaseAssignment
    from polku.exchange.services import refresh_derived_data
    from polku.people.models import Person

    started = time.perf_counter()
    began = timezone.now()
    counsellor = get_user_model().objects.get(username=CHANGER)
    person = Person.objects.filter(pk__in=CaseAssignment.objects.filter(
        counsellor=counsellor, ended_at__isnull=True).values("person_id")).order_by("?").first()
    assert person is not None, f"{CHANGER} has no clients"
    services.meeting_record(person=person, held_on=timezone.localdate(), kind="job_search_conversation",
                            channel="phone", notes="", actor=counsellor)
    refresh_derived_data(since=began)
    return time.perf_counter() - started


# --- the browser ---------------------------------------------------------------------------------------------


def _login(context: Any, base: str, username: str, password: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/kirjaudu/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _navigation(page: Any) -> list[tuple[str, str]]:
    links = page.eval_on_selector_all(
        "nav.site-nav a", "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")
    seen: dict[str, str] = {}
    for label, href in links:
        if href and href.startswith("/") and href not in seen:
            seen[href] = label
    return list(seen.items())


TIMEOUT_SECONDS = 30.0  # a page not loaded by then counts as a failure, and this long in its figures


def _load(page: Any, url: str) -> tuple[float | None, int | str]:
    """Seconds from the navigation's start to the end of its load event, and the HTTP status (or "timeout")."""
    from playwright.sync_api import TimeoutError as PageTimeout

    try:
        response = page.goto(url, wait_until="load", timeout=TIMEOUT_SECONDS * 1000)
    except PageTimeout:
        return TIMEOUT_SECONDS, "timeout"
    status = response.status if response is not None else 0
    duration = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                             " return n ? n.loadEventEnd - n.startTime : null; }")
    return (duration / 1000 if duration else None), status


def p95(samples: list[float]) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def measure(base: str, users: list[tuple[str, str]], repeats: int) -> tuple[dict[Any, list[float]], dict[str, str],
                                                                               list[str], list[float]]:
    from playwright.sync_api import TimeoutError as PageTimeout
    from playwright.sync_api import sync_playwright

    samples: dict[tuple[str, str, str], list[float]] = defaultdict(list)  # (page, role user, first|warm)
    labels: dict[str, str] = {}
    failures: list[str] = []
    changes: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        for username, password in users:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
            context.set_default_timeout(TIMEOUT_SECONDS * 4 * 1000)  # signing in on a busy server
            context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                          else route.abort())
            try:
                page = _login(context, base, username, password)
            except PageTimeout:
                failures.append(f"{username}: sign-in timed out")
                context.close()
                continue
            pages = _navigation(page)
            labels.update(dict(pages))
            print(f"{username}: {len(pages)} pages", file=sys.stderr, flush=True)
            for _repeat in range(repeats):
                changes.append(change_data())
                for kind in ("first", "warm"):
                    for href, _label in pages:
                        seconds, status = _load(page, base + href)
                        if status != 200 or seconds is None:
                            failures.append(f"{username} {href} {kind}: {status}")
                        if seconds is not None:  # a timeout counts as its limit: the page did not open in time
                            samples[(href, username, kind)].append(seconds)
            context.close()
            for href, _label in pages:  # as the run goes (a long run can be read before it ends)
                print(f"  {username} {href}: first {samples.get((href, username, 'first'))} warm "
                      f"{samples.get((href, username, 'warm'))}", file=sys.stderr, flush=True)
        browser.close()
    return samples, labels, failures, changes


def report(samples: dict[Any, list[float]], labels: dict[str, str], users: list[str]) -> list[dict[str, Any]]:
    """The table (standard output) and one JSON object per page."""
    hrefs = sorted({key[0] for key in samples})
    print(f"| page | {' | '.join(users)} | all roles |")
    print(f"|---|{'---|' * (len(users) + 1)}")
    rows = []
    for href in hrefs:
        cells = []
        for user in users:
            first, warm = samples.get((href, user, "first")), samples.get((href, user, "warm"))
            cells.append(f"{p95(first):.2f} / {p95(warm):.2f}" if first and warm else "–")
        first_all = [s for (h, _u, k), values in samples.items() if h == href and k == "first" for s in values]
        warm_all = [s for (h, _u, k), values in samples.items() if h == href and k == "warm" for s in values]
        print(f"| {labels.get(href, href)} `{href}` | {' | '.join(cells)} | {p95(first_all):.2f} / {p95(warm_all):.2f} |")
        rows.append({"page": href, "label": labels.get(href, href), "roles": sorted({u for (h, u, _k) in samples if h == href}),
                     "first_p95_s": round(p95(first_all), 3), "warm_p95_s": round(p95(warm_all), 3),
                     "first_max_s": round(max(first_all), 3), "warm_max_s": round(max(warm_all), 3),
                     "loads": len(first_all) + len(warm_all)})
    print("(seconds, p95 of first load after a data change / warm load)")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3, help="data changes per user, each followed by the loads")
    parser.add_argument("--keep-db", action="store_true", help="reuse the scratch database if present; keep it")
    parser.add_argument("--with-worker", action="store_true", help="run `polku worker` beside the server")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="a database the demo set-up has filled (used as is, never dropped)")
    parser.add_argument("--skip-postgres", action="store_true")
    args, _unknown = parser.parse_known_args()  # `make bench` passes every benchmark the same arguments
    common = {"benchmark": "page_load", "engine": "postgresql", "browser": "chromium (headless)"}
    if args.skip_postgres:
        print(json.dumps({**common, "skipped": "--skip-postgres"}))
        return 0
    if not CHROMIUM.exists():
        print(json.dumps({**common, "skipped": f"{CHROMIUM} missing"}))
        return 0
    from polku.core.dbcheck import reachable

    admin = os.environ.get("POLKU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/polku")
    if not reachable(admin):
        print(json.dumps({**common, "skipped": "unreachable"}))
        return 0
    wall = time.perf_counter()
    given = args.database_url is not None
    url = args.database_url or admin.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    server: Server | None = None
    worker: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="polku-bench-pageload-") as tmp:
        env = {**os.environ, "DATABASE_URL": url, "POLKU_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "polku.settings"}
        try:
            loaded = {"reused": True, "seconds": 0.0} if given else prepare(url, env, args.keep_db)
            if given:
                _manage(env, "due_items", "rebuild")
            os.environ["POLKU_VAR_DIR"] = tmp  # the server inherits it: one cache for the server and the change
            server = start_server(url, args.workers, args.threads, Path(tmp))
            if args.with_worker:
                worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker", "-v0"], cwd=ROOT, env=env)
            _django(env)
            from polku.cli.management.commands.demo_setup import DEMO_USERS, demo_password

            users = [(username, demo_password(username)) for username, *_rest in DEMO_USERS]
            samples, labels, failures, changes = measure(f"http://127.0.0.1:{server.port}", users, args.repeats)
            server.sample()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
            if server is not None:
                server.stop()
            if not (args.keep_db or given):
                _drop(url)
    summarise(args, common, report(samples, labels, [username for username, _password in users]), users=len(users),
              loaded=loaded, changes=changes, failures=failures, server=server, wall=wall)
    return 1 if failures else 0


def summarise(args: argparse.Namespace, common: dict[str, Any], rows: list[dict[str, Any]], *, users: int,
              loaded: dict[str, Any], changes: list[float], failures: list[str], server: Server | None,
              wall: float) -> None:
    for row in rows:
        print(json.dumps({**common, **row, "goal_s": GOAL_SECONDS, "goal_met": row["first_p95_s"] <= GOAL_SECONDS
                          and row["warm_p95_s"] <= GOAL_SECONDS}), flush=True)
    worst = max(rows, key=lambda row: max(row["first_p95_s"], row["warm_p95_s"]), default=None)
    worst_seconds = max(worst["first_p95_s"], worst["warm_p95_s"]) if worst else None
    print(json.dumps({
        **common, "page": "summary", "pages": len(rows), "roles": users, "repeats": args.repeats,
        "worker": args.with_worker, "database_reused": loaded["reused"], "load_seconds": loaded["seconds"],
        "data_change_seconds_mean": round(statistics.fmean(changes), 3) if changes else None,
        "worst_page": worst["page"] if worst else None, "worst_p95_s": worst_seconds,
        "baseline": f"goal: p95 ≤ {GOAL_SECONDS:.0f} s for every page, first and warm load",
        "ratio": round(worst_seconds / GOAL_SECONDS, 2) if worst_seconds else None,
        "goal_met": bool(rows) and all(max(r["first_p95_s"], r["warm_p95_s"]) <= GOAL_SECONDS for r in rows),
        "failures": failures, "wall_seconds": round(time.perf_counter() - wall, 1),
        "server_peak_rss_mb": round(server.peak_rss_kb / 1024, 1) if server else None,
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
