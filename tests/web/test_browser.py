"""Real-browser tests: keyboard-only login, language switch, the timeline page, axe checks, screenshots.

Chromium is Debian's, driven through ``tests.browser_support``; Playwright never downloads one.
"""

from __future__ import annotations

from typing import Any

import pytest

from polku.access.models import AccessLog
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)
from tests.web.conftest import PASSWORD, Scene

__all__ = ["browser", "page", "reference_data"]  # fixtures used by the tests below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    assert page.locator("#uudet-asiakkaat").inner_text() == "Uudet asiakkaat"  # the counsellor's start page

    # Switch to Swedish with the keyboard: focus the language button and press Enter.
    page.locator("button[name=language][value=sv]").focus()
    page.keyboard.press("Enter")
    # A function, not a bare expression: Playwright evals an expression in the page, which the CSP refuses.
    page.wait_for_function("() => document.documentElement.lang === 'sv'")
    assert page.locator("#uudet-asiakkaat").inner_text() == "Nya klienter"

    page.goto(f"{base}/henkilot/")
    link = page.get_by_role("link", name="Virtanen, Aino Maria")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/henkilot/{scene.client.person.pk}/")
    assert page.locator("h1").inner_text() == "Aino Maria Virtanen"
    assert charts_drawn(page) == 1
    assert page.locator("figure.chart [role=img]").get_attribute("aria-label") == "Tidslinje: Aino Maria Virtanen"
    assert "arbetsprövning" in page.locator("main").inner_text()
    assert scene.client.code not in page.content()
    assert AccessLog.objects.filter(person_id=scene.client.person.pk, action="person_timeline").count() == 1


def test_pages_pass_axe_and_screenshots(page: Any, live_server: Any, scene: Scene) -> None:
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}

    page.goto(f"{base}/")
    failures["landing"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "landing.png"), full_page=True)

    page.goto(f"{base}/kirjaudu/")
    failures["login"] = serious_violations(page)
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".error-summary")
    failures["login with errors"] = serious_violations(page)

    login_with_form(page, base, scene.counsellor.user.get_username(), PASSWORD)
    failures["landing, logged in"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "landing-logged-in.png"), full_page=True)

    page.goto(f"{base}/henkilot/")
    failures["person list"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "person-list.png"), full_page=True)

    page.goto(f"{base}/henkilot/{scene.client.person.pk}/")
    assert charts_drawn(page) == 1
    failures["person timeline"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "person-timeline.png"), full_page=True)

    page.goto(f"{base}/henkilot/{scene.other_client.pk}/")
    failures["403"] = serious_violations(page)

    # The refusal offers the break-glass step: its form, its error summary, and the record it opens.
    page.click(f"a[href='/henkilot/{scene.other_client.pk}/poikkeuksellinen-paasy/']")
    page.wait_for_selector("textarea#id_reason")
    failures["break-glass form"] = serious_violations(page)
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".error-summary")
    failures["break-glass form with errors"] = serious_violations(page)
    page.fill("#id_reason", "Asiakas asioi pisteessä, oma ohjaaja poissa; tarkistan työnhaun tilan.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/henkilot/{scene.other_client.pk}/")
    failures["person opened by break-glass"] = serious_violations(page)
    page.goto(f"{base}/tunnistautuminen/kayttoonotto/")
    page.wait_for_selector("img.qr-code")
    failures["second factor set-up"] = serious_violations(page)
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".error-summary")
    failures["second factor set-up with errors"] = serious_violations(page)

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



def test_timeline_chart_adds_no_tab_stop_and_is_an_enhancement(browser: Any, page: Any, live_server: Any,
                                                               scene: Scene) -> None:
    """The chart drawn in the browser is one labelled image with nothing focusable in it: Tab through the whole
    client record never lands in it. Without JavaScript the figure stays hidden and the tables carry the figures."""
    base = live_server.url
    login_with_form(page, base, scene.counsellor.user.get_username(), PASSWORD)
    url = f"{base}/henkilot/{scene.client.person.pk}/"
    page.goto(url)
    assert charts_drawn(page) == 1
    visited = 0
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            break
        assert page.evaluate("() => document.activeElement.closest('figure.chart') === null")
        visited += 1
    assert visited > 10  # the whole page was tabbed through, links, buttons and scrollable tables

    without_js = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state(),
                                     locale="fi-FI")
    tab = without_js.new_page()
    tab.goto(url)
    assert tab.locator("script[type='application/json']#aikajana-spec").count() == 1
    assert not tab.locator("figure.chart").is_visible()
    assert tab.locator("h1").inner_text() == "Aino Maria Virtanen"
    benefits = tab.locator("table.data-table").filter(has=tab.locator("tfoot"))
    assert benefits.is_visible()
    assert "665,26" in benefits.inner_text()  # the benefit months and their total, as the chart showed them
    without_js.close()
