"""The counsellor's morning in a real browser: log in, open today's worklist, record the initial interview and a
plan (by keyboard), see the item leave the overdue list; axe-core finds no serious or critical violations on the
worklist, the client record and the plan form (also with errors shown)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from polku.casework.models import EmploymentPlan, Meeting
from tests.browser_support import SCREENSHOTS, browser, login_with_form, page, reference_data, serious_violations
from tests.casework.conftest import PASSWORD, Office

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_morning_worklist_interview_and_plan(page: Any, live_server: Any, office: Office) -> None:
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    login_with_form(page, base, office.counsellor.user.get_username(), PASSWORD)

    page.get_by_role("link", name="Työlista", exact=True).click()
    page.wait_for_url(f"{base}/asiakastyo/")
    overdue_row = page.locator("#tyolista tr.due--overdue", has_text="Asiakas, Aino").filter(has_text="Alkuhaastattelu")
    assert overdue_row.count() == 1
    failures["worklist"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "casework-worklist.png"), full_page=True)

    link = overdue_row.get_by_role("link", name="Asiakas, Aino")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/henkilot/{office.client.pk}/#asiakastyo")
    failures["client record"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "casework-client-record.png"), full_page=True)

    # On a phone the client's tasks read as cards: neither the table nor the page scrolls sideways (also at 320 px,
    # the width of WCAG's reflow), each cell under the name of its column, the task itself first; a screen reader
    # still finds a table with its column headers.
    tasks = page.locator("#asiakastyo table.data-table--cards")
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 844})
        assert tasks.evaluate("table => table.scrollWidth <= table.parentElement.clientWidth"), width
        assert page.evaluate(f"() => document.documentElement.scrollWidth <= {width}"), width
    card = tasks.locator("tbody tr", has=page.locator("th", has_text="Alkuhaastattelu")).first
    assert card.locator("td").first.evaluate("cell => getComputedStyle(cell, '::before').content").startswith(
        '"Määräpäivä: "')
    assert card.evaluate("row => row.querySelector('th').getBoundingClientRect().bottom"
                         " <= row.querySelector('td').getBoundingClientRect().top")  # the task above its due date
    assert tasks.get_by_role("columnheader", name="Määräpäivä").count() == 1
    assert tasks.get_by_role("rowheader", name="Alkuhaastattelu").count() == 1
    failures["client record on a phone"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "casework-client-record-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Record the initial interview with the keyboard only.
    page.get_by_role("link", name="Kirjaa tapaaminen").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_kind")
    page.locator("#id_kind").focus()
    page.keyboard.press("Home")  # first option: alkuhaastattelu
    page.locator("input[name=channel][value=phone]").focus()
    page.keyboard.press("Space")
    page.locator("#id_notes").focus()
    page.keyboard.type("Alkuhaastattelu puhelimessa, palvelutarve arvioitu.")
    page.get_by_role("button", name="Tallenna tapaaminen").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/henkilot/{office.client.pk}/#main")
    meeting = Meeting.objects.get(person=office.client)
    assert (meeting.kind, meeting.channel, meeting.held_on) == ("initial_interview", "phone", timezone.localdate())

    # The plan: first with an obligation out of range, then right.
    page.get_by_role("link", name="Laadi suunnitelma").first.click()
    page.wait_for_selector("#id_agreed_actions")
    page.fill("#id_agreed_actions", "Hakee neljää työpaikkaa kuukaudessa; työnhakuvalmennus joulukuussa.")
    page.fill("#id_valid_until", (timezone.localdate() + timedelta(days=90)).isoformat())
    page.fill("#id_applications_required", "9")
    page.get_by_role("button", name="Tallenna suunnitelma").click()
    page.wait_for_selector(".error-summary")
    assert "Hakuvelvollisuus on 0–4" in page.locator(".error-summary").inner_text()
    assert page.locator("#id_agreed_actions").input_value().startswith("Hakee neljää")  # nothing typed is lost
    failures["plan form with errors"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "casework-plan-errors.png"), full_page=True)
    page.fill("#id_applications_required", "4")
    page.get_by_role("button", name="Tallenna suunnitelma").click()
    page.wait_for_url(f"{base}/henkilot/{office.client.pk}/#main")
    assert EmploymentPlan.objects.get(person=office.client).applications_required == 4

    page.goto(f"{base}/asiakastyo/?tila=overdue")
    table = page.locator("#tyolista").inner_text() if page.locator("#tyolista").count() else ""
    assert "Alkuhaastattelu" not in table
    assert "Ei työllistymissuunnitelmaa" not in table
    page.goto(f"{base}/asiakastyo/henkilot/{office.client.pk}/suunnitelma/")
    failures["plan form"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "casework-plan.png"), full_page=True)
    assert {name: found for name, found in failures.items() if found} == {}


def test_refused_save_moves_focus_to_the_error_summary(page: Any, live_server: Any, office: Office) -> None:
    base = live_server.url
    login_with_form(page, base, office.counsellor.user.get_username(), PASSWORD)
    page.goto(f"{base}/asiakastyo/henkilot/{office.client.pk}/tapaaminen/")
    page.fill("#id_held_on", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Tallenna tapaaminen").click()
    # The script runs once the document is parsed; wait for it rather than for the summary to appear.
    page.wait_for_function("() => document.activeElement !== null && document.activeElement.id === 'virheet'")
    page.keyboard.press("Tab")  # the first link in the summary leads to the field
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#id_held_on"
