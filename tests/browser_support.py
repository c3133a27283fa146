"""Real-browser test support: Debian's Chromium driven by Playwright (never a downloaded browser), requests
to any other host aborted, any Content-Security-Policy violation failing the test, the login form, and the
axe-core check (vendored in axe-playwright-python).

Playwright's sync API runs an event loop in the test thread, so Django's async-safety guard must be relaxed
for the ORM calls the fixtures make there. Import the fixtures into a test module with
``from tests.browser_support import browser, page, reference_data  # noqa: F401``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from polku.reference.loader import load_reference_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"  # each suite its own (make test runs two side by side)


@pytest.fixture(autouse=True)
def reference_data(transactional_db: None) -> None:
    """Reload what the data migration loaded: each live-server test ends with a flush of every table.

    (``serialized_rollback`` would be the usual answer, but the connection that carries the serialized
    copy is not the one in use once Playwright's event loop has run in this thread.)
    """
    load_reference_data()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("POLKU_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is required (POLKU_REQUIRE_BROWSER=1) but missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
    # Nothing may leave the machine: any request to another host fails the test loudly.
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  or "localhost" in route.request.url else route.abort())
    # Every refusal is also kept in the page (the securitypolicyviolation event), for charts_drawn() to check.
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    # The Content-Security-Policy refuses inline scripts, handlers and styles: Chromium reports each refusal on the
    # console, and any refusal fails the test (a page that relied on one would be broken for real users). So does a
    # chart that charts.js could not draw (its messages start with "Polku:").
    refused: list[str] = []
    page.on("console", lambda message: refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or message.text.startswith("Polku:") else None)
    yield page
    context.close()
    assert not refused, "Content-Security-Policy violations or charts not drawn:\n" + "\n".join(refused)


# Runs before the page's own scripts (Playwright's init script is not subject to the page's policy).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (event) => {
    (window.__cspViolations = window.__cspViolations || []).push(`${event.violatedDirective} ${event.blockedURI}`);
});"""


def charts_drawn(page: Any) -> int:
    """Wait until charts.js has drawn every chart on the page as SVG; the number of charts.

    Fails when the page has no chart, when any chart is not drawn within 20 s, or on any CSP refusal.
    """
    count = page.locator("[data-chart-spec]").count()
    assert count > 0, f"no chart on {page.url}"
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart-spec]')].every("
        "  (c) => c.querySelector('svg') && c.closest('.chart--drawn'))", timeout=20_000)
    assert page.evaluate("() => window.__cspViolations || []") == []
    return count


def login_with_form(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/kirjaudu/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def serious_violations(page: Any) -> list[str]:
    """Axe's serious and critical violations on the page shown.

    After a click that opens another page, wait for that page first (``page.wait_for_url`` or a locator of it): the
    click returns before the next page has loaded, and until its navigation starts this would read the page before.
    It waits for the page shown to have loaded, and runs axe again when a navigation replaced the document while axe
    was reading it (axe then finds no document, ``Cannot read properties of null``, or loses its context)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page)
            break
        except PlaywrightError as error:
            navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
            if attempt == 2 or not navigating:
                raise
    return [f"{v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]




def check_at_widths(page: Any, name: str, widths: tuple[int, ...] = (1280, 390)) -> dict[int, list[str]]:
    """At each width: axe's serious or critical violations, a screenshot (``var/screenshots/<name>-<width>.png``;
    under ``make test``, in the suite's own ``var/test-…``), and a failed assertion when the page scrolls sideways.
    Returns the violations found per width (empty when none)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[int, list[str]] = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        if found := serious_violations(page):
            failures[width] = found
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate(f"() => document.documentElement.scrollWidth <= {width}"), f"{name} scrolls sideways at {width}"
    return failures
