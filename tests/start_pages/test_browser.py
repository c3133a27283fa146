"""The start pages in a real browser: axe finds nothing serious for two roles, at desktop and phone widths, under the
Content-Security-Policy (the ``page`` fixture fails on any refusal). Screenshots go to ``$START_SCREENSHOTS`` when
set (else the test's temporary directory)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polku.access.models import Role, StaffProfile
from tests.browser_support import browser, login_with_form, page, reference_data, serious_violations
from tests.casework.conftest import PASSWORD, Office

__all__ = ["browser", "page", "reference_data"]  # fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_pages_pass_axe_at_two_widths(page: Any, live_server: Any, office: Office, tmp_path: Path,
                                            make_staff: Callable[..., StaffProfile]) -> None:
    shots = Path(os.environ.get("START_SCREENSHOTS") or tmp_path)
    lead = make_staff(Role.TEAM_LEAD, area="kuopio", team="Alkupalvelu")
    failures: dict[str, list[str]] = {}
    for name, profile, heading in (("counsellor", office.counsellor, "Uudet asiakkaat"),
                                   ("team-lead", lead, "Myöhässä olevat tehtävät ohjaajittain")):
        page.context.clear_cookies()
        login_with_form(page, live_server.url, profile.user.get_username(), PASSWORD)
        assert heading in page.locator("main").inner_text()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            failures[f"{name} {width}"] = serious_violations(page)
            page.screenshot(path=str(shots / f"start-{name}-{width}.png"), full_page=True)
    assert {name: found for name, found in failures.items() if found} == {}
