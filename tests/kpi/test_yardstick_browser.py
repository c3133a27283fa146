"""The yardstick's € per resident in a real browser: the chart is drawn, axe finds nothing serious at desktop and phone
widths, and the page does not scroll sideways at 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from polku.access.models import Role
from tests.browser_support import browser, charts_drawn, check_at_widths, login_with_form, page, reference_data
from tests.kpi.test_share_yardstick import published

__all__ = ["browser", "page", "published", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_euro_yardstick(page: Any, live_server: Any, make_staff: Any, published: None) -> None:
    official = make_staff(Role.ELECTED_OFFICIAL, area="kainuu")
    login_with_form(page, live_server.url, official.user.get_username(), "salasana-123")
    page.goto(f"{live_server.url}/mittarit/vertailu/?municipality=765&indicator=municipal_share_per_resident"
              "&reference=205&reference=290")
    assert charts_drawn(page) == 1
    assert check_at_widths(page, "yardstick-euros") == {}
