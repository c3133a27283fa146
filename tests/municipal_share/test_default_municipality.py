"""Issue 16, item 8: the share page opens on the user's own municipality (where most of the area's people live), not
on the alphabetically first of their area."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from polku.access.models import Role

pytestmark = pytest.mark.django_db


def test_share_page_defaults_to_the_areas_own_municipality(make_staff: Any, make_person: Any) -> None:
    for municipality, n in (("205", 3), ("765", 2), ("105", 1)):  # Kajaani, Sotkamo, Hyrynsalmi (alphabetically 1st)
        for _ in range(n):
            make_person(municipality=municipality)
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu-trial").user)
    html = client.get("/kuntaosuus/").content.decode()
    assert "<h1>Työttömyysetuuksien kuntaosuus: Kajaani" in html
    assert '<option value="205" selected>' in html
    # A choice still wins, and the workbook follows the same default.
    assert "<h1>Työttömyysetuuksien kuntaosuus: Hyrynsalmi" in client.get("/kuntaosuus/?municipality=105").content.decode()
    assert "kuntaosuus-205-" in client.get("/kuntaosuus/excel/")["Content-Disposition"]


def test_without_anyone_living_in_the_area_the_first_municipality_is_shown(make_staff: Any) -> None:
    client = Client()
    client.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial").user)
    assert "<h1>Työttömyysetuuksien kuntaosuus: Hyrynsalmi" in client.get("/kuntaosuus/").content.decode()
