"""The monthly report's pages in a real browser: an elected official opens the archive and a report, axe-core finds no
serious or critical violation in Finnish, Swedish or English, the charts are drawn beside their tables, the page fits
a 390 px phone without scrolling sideways, and the PDF downloads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from polku.access.models import Role
from polku.public_statistics.services import pxweb_import
from polku.reports import services
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)
from tests.reports.conftest import AREA, JUNE, kainuu

__all__ = ["browser", "kainuu", "page", "reference_data"]  # fixtures used below

FIXTURES = Path(__file__).resolve().parents[2] / "polku" / "public_statistics" / "fixtures"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"() => document.documentElement.scrollWidth <= {width}"))


def wider(page: Any, width: int) -> list[str]:
    """The elements reaching past the right edge (what to fix when a page scrolls sideways)."""
    return list(page.evaluate(f"""() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > {width} + 1)
        .slice(0, 8).map((e) => e.tagName + '.' + e.className)"""))


def test_official_reads_the_monthly_report(page: Any, live_server: Any, kainuu: Any, make_staff: Any) -> None:
    services.publish(AREA, JUNE, today=date(2021, 7, 15))
    official = make_staff(Role.ELECTED_OFFICIAL, area=AREA)
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    login_with_form(page, base, official.user.get_username(), "salasana-123")

    page.click("nav.site-nav >> text=Raportit")
    assert page.locator("h1").inner_text() == "Kuukausiraportit"
    failures["list"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "reports-list-1280.png"), full_page=True)
    page.click("text=kesäkuu 2021")
    page.wait_for_url(f"{base}/raportit/{AREA}/2021-06/")
    assert "kesäkuu 2021" in page.locator("h1").inner_text()
    assert charts_drawn(page) == 3
    assert page.locator("table.data-table").count() == 4  # key figures, by month, the share, the comparison group
    failures["fi"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "report-1280.png"), full_page=True)
    page.locator(".table-scroll").first.focus()
    page.keyboard.press("ArrowRight")  # a wide table's region scrolls by keyboard

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    charts_drawn(page)
    page.screenshot(path=str(SCREENSHOTS / "report-390.png"), full_page=True)
    assert fits(page, 390), f"the report scrolls sideways at 390 px: {wider(page, 390)}"
    page.goto(f"{base}/raportit/")
    page.screenshot(path=str(SCREENSHOTS / "reports-list-390.png"), full_page=True)
    assert fits(page, 390), f"the archive scrolls sideways at 390 px: {wider(page, 390)}"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/raportit/{AREA}/2021-06/")
    for language, heading in (("sv", "juni 2021"), ("en", "June 2021")):
        page.locator(f".language-switch button[value={language}]").click()
        page.wait_for_selector(f"html[lang={language}]")
        assert heading in page.locator("h1").inner_text()
        charts_drawn(page)
        failures[language] = serious_violations(page)
    response = page.request.get(f"{base}/raportit/{AREA}/2021-06/raportti-en.pdf")
    assert response.status == 200
    assert response.body().startswith(b"%PDF")

    # The yardstick: the official's municipality ranked among similar ones, in Finnish, at both widths.
    for name in ("12r5_vertailu_2025_2026.json", "12u4_vertailu_2025_2026.json"):
        pxweb_import((FIXTURES / name).read_bytes(), file_name=name)
    page.locator(".language-switch button[value=fi]").click()
    page.goto(f"{base}/mittarit/vertailu/")
    assert page.locator("h1").inner_text() == "Vertailu samankaltaisiin kuntiin: Sotkamo"
    assert charts_drawn(page) == 1
    failures["yardstick"] = serious_violations(page)
    page.screenshot(path=str(SCREENSHOTS / "yardstick-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    charts_drawn(page)
    page.screenshot(path=str(SCREENSHOTS / "yardstick-390.png"), full_page=True)
    assert fits(page, 390), f"the yardstick scrolls sideways at 390 px: {wider(page, 390)}"
    assert {name: found for name, found in failures.items() if found} == {}
