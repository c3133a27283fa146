"""The kuntaosuus page in a real browser: both bar charts (monthly, and the two rules compared) are drawn by the
vendored Vega as SVG under the Content-Security-Policy, with Finnish number formats on the axis, and the page
passes axe-core with no serious or critical violations."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polku.access.models import Role
from tests.browser_support import (
    SCREENSHOTS,
    browser,
    charts_drawn,
    login_with_form,
    page,
    reference_data,
    serious_violations,
)
from tests.municipal_share.test_pages import PASSWORD, benefit_person, monthly

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_charts_are_drawn_in_the_browser(page: Any, live_server: Any, make_staff: Any, settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0
    for birth in (date(1990, 3, 15), date(1985, 1, 1), date(1975, 6, 1)):
        # Subsidy recipients 2023–2025: both rules bill in the comparison years.
        benefit_person(municipality="765", months=monthly(date(2023, 1, 1), 29, 19), birth=birth)
    manager = make_staff(Role.MANAGER, area="kainuu")
    login_with_form(page, live_server.url, manager.user.get_username(), PASSWORD)
    page.goto(f"{live_server.url}/kuntaosuus/?municipality=765&year=2024-2025")
    assert charts_drawn(page) == 2
    monthly_chart = page.locator("#kk-kaavio-kuva")
    assert monthly_chart.get_attribute("role") == "img"
    assert monthly_chart.get_attribute("aria-label").startswith("Kunnan osuus kuukausittain")
    assert monthly_chart.locator("svg").bounding_box()["width"] > 300
    assert monthly_chart.locator("svg path[aria-roledescription], svg .mark-rect path").count() > 0  # the bars
    # The euro axis in Finnish: a no-break space between thousands, as in the table beside it.
    ticks = monthly_chart.locator("svg .role-axis-label text").evaluate_all("(texts) => texts.map((t) => t.textContent)")
    assert any("\u00a0" in tick for tick in ticks), ticks
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "municipal-share-test.png"), full_page=True)
    assert serious_violations(page) == []
