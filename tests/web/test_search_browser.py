"""The header search in a real browser: typed and sent from the keyboard, the results pass axe at desktop and phone
widths without scrolling sideways, and an identity code opens the person without ever appearing in the address."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polku.access.models import Role
from tests.browser_support import browser, check_at_widths, login_with_form, page, reference_data
from tests.conftest import next_artificial_id

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_header_search(page: Any, live_server: Any, make_staff: Any, make_person: Any) -> None:
    code = next_artificial_id(date(1988, 3, 4))
    person = make_person(municipality="765", first_names="Aino", last_name="Hakulinen", personal_id_code=code)
    manager = make_staff(Role.MANAGER, area="kainuu")
    login_with_form(page, live_server.url, manager.user.get_username(), "salasana-123")

    page.locator("#yleishaku").fill("sotka")
    page.locator("#yleishaku").press("Enter")
    page.wait_for_url("**/haku/?q=sotka")
    assert "Sotkamo" in page.locator("main").inner_text()
    page.locator("#yleishaku").fill("hakulinen")
    page.locator("#yleishaku").press("Enter")
    page.wait_for_url("**/haku/?q=hakulinen")
    assert "Hakulinen, Aino" in page.locator("main").inner_text()
    assert check_at_widths(page, "search") == {}

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#haku-sivu").fill(code)
    page.locator("#haku-sivu").press("Enter")
    page.wait_for_url(f"**/henkilot/{person.pk}/")
    assert code not in page.url
