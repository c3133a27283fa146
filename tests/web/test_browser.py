"""Real-browser tests: keyboard-only login, language switch, the timeline page, axe checks, screenshots.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety guard must be
relaxed for the ORM calls the fixtures make there. Chromium is Debian's; Playwright never downloads one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from polku.access.models import AccessLog
from polku.reference.loader import load_reference_data
from tests.web.conftest import PASSWORD, Scene

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page = context.new_page()
    yield page
    context.close()


def _login_with_form(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/kirjaudu/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]


def test_keyboard_login_language_switch_and_timeline(page: Any, live_server: Any, scene: Scene) -> None:
    base = live_server.url
    page.goto(f"{base}/kirjaudu/")
    for _ in range(30):  # Tab from the top of the page to the username field, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_username":
            break
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type(scene.counsellor.user.get_username())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    assert page.locator("#oma-rooli").inner_text() == "Sinun käyttöoikeutesi"

    # Switch to Swedish with the keyboard: focus the language button and press Enter.
    page.locator("button[name=language][value=sv]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'sv'")
    assert page.locator("#oma-rooli").inner_text() == "Dina behörigheter"

    page.goto(f"{base}/henkilot/")
    link = page.get_by_role("link", name="Virtanen, Aino Maria")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/henkilot/{scene.client.person.pk}/")
    assert page.locator("h1").inner_text() == "Aino Maria Virtanen"
    assert page.locator("figure.chart svg[role=img] title").count() == 1
    assert "arbetsprövning" in page.locator("main").inner_text()
    assert scene.client.code not in page.content()
    assert AccessLog.objects.filter(person_id=scene.client.person.pk, action="person_timeline").count() == 1


def test_pages_pass_axe_and_screenshots(page: Any, live_server: Any, scene: Scene) -> None:
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}

    page.goto(f"{base}/")
    failures["landing"] = _serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "landing.png"), full_page=True)

    page.goto(f"{base}/kirjaudu/")
    failures["login"] = _serious_violations(page)
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".error-summary")
    failures["login with errors"] = _serious_violations(page)

    _login_with_form(page, base, scene.counsellor.user.get_username())
    failures["landing, logged in"] = _serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "landing-logged-in.png"), full_page=True)

    page.goto(f"{base}/henkilot/")
    failures["person list"] = _serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "person-list.png"), full_page=True)

    page.goto(f"{base}/henkilot/{scene.client.person.pk}/")
    page.wait_for_selector("figure.chart svg")
    failures["person timeline"] = _serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "person-timeline.png"), full_page=True)

    page.goto(f"{base}/henkilot/{scene.other_client.pk}/")
    failures["403"] = _serious_violations(page)

    assert {name: found for name, found in failures.items() if found} == {}
    assert (SCREENSHOTS / "landing.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "person-timeline.png").stat().st_size > 10_000


def test_keyboard_focus_is_visible(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # The skip link moves into view when focused, and it carries the focus ring.
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

