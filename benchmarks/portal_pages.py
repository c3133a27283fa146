"""Benchmark: the job seeker's portal pages on a throttled phone (Playwright, real Chromium), p95 per page.

A scratch SQLite database in a temporary directory is migrated and given one client (plan, three self-assessments,
a few reported applications, consents, messages, free times of their counsellor, a page of access-log rows) and a
signed-in portal session; the site is served by gunicorn (DEBUG off) on a free loopback port. Debian's Chromium
(``/usr/bin/chromium``, never a downloaded browser) loads each portal page ``--rounds`` times in a phone-sized
context with the DevTools protocol's throttling: CPU slowed ``--cpu`` times (4× by default, a mid-range phone) and
the network at a "fast 3G" profile (150 ms latency, 1.6 Mbit/s down, 750 kbit/s up). A load is from navigation to
the ``load`` event, with the browser cache disabled (every load fetches the page and its style sheet). The scripted
self-assessment (open the page, answer every question, save, see the confirmation) is timed the same way.

Output: one JSON line — p50/p95/max per page in ms, the goal (p95 < 2 000 ms on every page), the self-assessment
completion time, wall time and peak memory of this process; the exit status is non-zero when a page answers other
than 200.

The first ``--warmup`` rounds (1) are not counted: they start gunicorn's workers.

Usage: python benchmarks/portal_pages.py [--rounds 20] [--cpu 4] [--warmup 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PAGES = {
    "etusivu": "/oma/", "suunnitelma": "/oma/suunnitelma/", "hakemukset": "/oma/hakemukset/",
    "itsearvio": "/oma/itsearvio/", "ajanvaraus": "/oma/ajanvaraus/", "viestit": "/oma/viestit/",
    "suostumukset": "/oma/suostumukset/", "kuka-katsoi": "/oma/kuka-katsoi/", "osaaminen": "/oma/osaaminen/",
}
GOAL_MS = 2000
# Chrome DevTools' "Fast 3G" preset (bytes per second)
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8,
           "uploadThroughput": 750 * 1024 / 8}


def prepare(var_dir: Path) -> str:
    """The scratch database with one client; returns the portal session's cookie value."""
    os.environ["POLKU_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from polku.access.models import AccessAction, AccessChannel, ClientAccount, Role
    from polku.access.services import log_person_reads, staff_create
    from polku.casework import booking
    from polku.casework import services as casework
    from polku.casework.services import PlanInput
    from polku.people.artificial import artificial_personal_id
    from polku.portal import services
    from polku.portal.catalogue import questionnaire
    from polku.timeline import services as timeline

    call_command("migrate", verbosity=0, interactive=False)
    counsellor = staff_create(username="ohjaaja", password="x-bench-1234", role=Role.COUNSELLOR,  # noqa: S106
                              area_code="kuopio",
                              team_name="Alkupalvelu", first_name="Sanna", last_name="Saarinen").user
    today = timezone.localdate()
    person = timeline.person_create(personal_id_code=artificial_personal_id(date(1992, 3, 14), 904),
                                    first_names="Aino", last_name="Asiakas")
    timeline.home_municipality_record(person=person, municipality_code="297", start_date=date(2024, 1, 1))
    timeline.job_search_open(person=person, registered_on=today - timedelta(days=60))
    casework.assign(person=person, counsellor=counsellor, actor=counsellor)
    casework.plan_save(person=person, data=PlanInput(drawn_up_on=today - timedelta(days=30),
                                                     valid_until=today + timedelta(days=150),
                                                     agreed_actions="Päivitä CV\nHae neljää työpaikkaa\nValmennus",
                                                     applications_required=4), based_on_version=None, actor=counsellor)
    user = get_user_model().objects.create_user(username="asiakas-bench")
    ClientAccount.objects.create(user=user, person=person)
    for n in range(3):
        services.submit_self_assessment(person=person, answers={i.code: 2 + n for i in questionnaire().items},
                                        work_ability=4 + n, actor=user)
    for n in range(4):
        services.report_application(person=person, applied_on=today - timedelta(days=n), employer=f"Yritys {n} Oy",
                                    job_title="Asentaja", actor=user)
    services.give_consent(person=person, purpose="share_plan", recipient="kela", actor=user)
    for n in range(6):
        services.send_message(person=person, body=f"Viesti {n}", from_client=n % 2 == 0, author=user)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for n in range(20):
        booking.publish_slot(counsellor=counsellor, starts_at=start + timedelta(hours=n), minutes=45, channel="phone")
    for _ in range(100):
        log_person_reads(user=counsellor, person_ids=[person.pk], action=AccessAction.PERSON_TIMELINE,
                         purpose="asiakastyö", channel=AccessChannel.WEB)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from polku.core.security import LAST_SEEN_AT, PORTAL_SESSION, SIGNED_IN_AT

    session = SessionStore()
    now = int(time.time())
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "polku.access.client_identity.ClientOidcBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(), PORTAL_SESSION: True, SIGNED_IN_AT: now,
                    LAST_SEEN_AT: now})
    session.create()
    return str(session.session_key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(base: str, cookie: str, rounds: int, cpu: float, warmup: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {name: [] for name in PAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="fi-FI")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        for round_ in range(warmup + rounds):
            for name, path in PAGES.items():
                started = time.perf_counter()
                response = page.goto(base + path, wait_until="load")
                elapsed = (time.perf_counter() - started) * 1000
                if response is None or response.status != 200 or page.url != base + path:
                    raise RuntimeError(f"{path}: {response.status if response else 'no response'} → {page.url}")
                if round_ >= warmup:  # the first rounds start the server's workers: not counted
                    results[name].append(elapsed)
        # The scripted self-assessment: open, answer all, save, see the confirmation
        from polku.portal.catalogue import questionnaire

        completion: list[float] = []
        for _ in range(max(3, rounds // 4)):
            started = time.perf_counter()
            page.goto(base + "/oma/itsearvio/", wait_until="load")
            page.locator("input[name=work_ability][value='6']").check()
            for item in questionnaire().items:
                page.locator(f"input[name={item.code}][value='4']").check()
            page.get_by_role("button", name="Tallenna itsearvio").click()
            page.wait_for_selector("text=Itsearvio tallennettu")
            completion.append((time.perf_counter() - started) * 1000)
        browser.close()
    pages = {name: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 0.95), 1),
                    "max_ms": round(max(v), 1)} for name, v in results.items()}
    return {"pages": pages, "self_assessment_completion_ms": {"p50": round(statistics.median(completion), 1),
                                                               "max": round(max(completion), 1)}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cpu", type=float, default=4.0)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(json.dumps({"benchmark": "portal_pages", "skipped": f"{CHROMIUM} not installed"}))
        return 0
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="polku-bench-portal-") as tmp:
        var_dir = Path(tmp)
        cookie = prepare(var_dir)
        port = free_port()
        env = {**os.environ, "POLKU_DEBUG": "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "polku.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "2", "--worker-class", "gthread", "--no-control-socket",
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
            measured = measure(f"http://127.0.0.1:{port}", cookie, args.rounds, args.cpu, args.warmup)
        finally:
            server.terminate()
            server.wait(timeout=30)
    worst = max(p["p95_ms"] for p in measured["pages"].values())
    print(json.dumps({
        "benchmark": "portal_pages", "profile": {"viewport": "390x844", "cpu_slowdown": args.cpu,
                                                 "network": "fast 3G (150 ms, 1.6 Mbit/s down)"},
        "rounds": args.rounds, "warmup_rounds": args.warmup, **measured, "goal_p95_ms": GOAL_MS, "worst_p95_ms": worst,
        "ratio_to_goal": round(worst / GOAL_MS, 3), "goal_met": worst < GOAL_MS,
        "wall_s": round(time.perf_counter() - wall, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
