"""The administrator's page in a real browser: axe finds nothing serious at desktop and phone widths, with a file's
problems shown, the page does not scroll sideways at 390 px, and a rule set is confirmed from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from polku.access.models import Role
from polku.municipal_share.models import RuleSetConfirmation
from tests.browser_support import browser, check_at_widths, login_with_form, page, reference_data

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_administrators_page(page: Any, live_server: Any, make_staff: Any, tmp_path: Any) -> None:
    admin = make_staff(Role.ADMIN, area=None)
    login_with_form(page, live_server.url, admin.user.get_username(), "salasana-123")
    page.goto(f"{live_server.url}/yllapito/")
    assert page.locator("h1").inner_text() == "Ylläpito"
    bad = tmp_path / "vaesto.csv"
    bad.write_text("municipality;year;residents;source\n765;2024;ei luku;Tilastokeskus\n", encoding="utf-8")
    page.set_input_files("#vaesto ~ form input[type=file]", str(bad))
    page.locator("#vaesto ~ form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert "rivi 2: year/residents" in page.locator(".error-summary").inner_text()
    assert check_at_widths(page, "administration") == {}

    note = page.locator("article.rule-set textarea").first
    note.focus()
    page.keyboard.type("Tarkistettu lakiin ja Kelan ohjeeseen.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messages")
    assert RuleSetConfirmation.objects.filter(note="Tarkistettu lakiin ja Kelan ohjeeseen.").count() == 1
