"""The state's assessment indicators beside Polku's nearest figures: every row unverified and saying how the figures
may differ; figures as the indicator pages last computed them (the page never computes); today's overdue share from
the due-items table."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from polku.casework import due_table
from polku.kpi.state_assessment import parse, state_assessment
from tests.casework.conftest import Office, office  # noqa: F401 - a fixture, used by name

pytestmark = pytest.mark.django_db


def test_every_row_points_to_a_catalogue_indicator_a_figure_or_nothing() -> None:
    assessment = state_assessment()
    assert len(assessment.indicators) == 6
    assert assessment.source_url.startswith("https://tyomarkkinatori.fi/")
    assert {r.indicator for r in assessment.indicators} >= {"flow_into_over_3_months", "clients_per_counsellor"}
    assert all(r.difference["fi"] and r.difference["sv"] and r.difference["en"] for r in assessment.indicators)
    document = {"source": {"name": "x", "url": "y", "retrieved": "z"},
                "indicators": [{"code": "a", "name": {"fi": "a"}, "difference": {"fi": "a"},
                                "polku": {"indicator": "no_such_indicator"}}]}
    with pytest.raises(ValueError, match="no_such_indicator"):
        parse(document)


def test_the_page_shows_the_areas_figures_marked_unverified(client: Client, office: Office,  # noqa: F811
                                                            memory_cache: None) -> None:
    client.force_login(office.manager.user)
    url = reverse("kpi:state_assessment")
    page = client.get(url).content.decode()
    assert "Määritelmä vahvistamaton" in page
    assert "tyomarkkinatori.fi" in page
    assert page.count("Polussa ei ole tätä tietoa") == 2
    assert "avaa mittari nähdäksesi luvut" in page  # not computed lately: a link, never an engine run here
    assert "lasketaan" in page  # the due-items table is not yet for today
    due_table.rebuild(timezone.localdate())
    counts = due_table.overdue_share({"297"}, timezone.localdate())
    assert counts is not None
    assert counts[1] == 2  # the office's two clients in Kuopio
    page = client.get(url).content.decode()
    assert f"({counts[0]} / {counts[1]})" in page
    client.get(reverse("kpi:indicator", kwargs={"code": "clients_per_counsellor"}), {"scope": "kuopio"})
    assert client.get(url).content.decode().count("avaa mittari nähdäksesi luvut") == 2  # one of three computed


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_page_speaks_swedish_and_english(client: Client, office: Office, language: str) -> None:  # noqa: F811
    client.force_login(office.manager.user)
    client.cookies["django_language"] = language
    page = client.get(reverse("kpi:state_assessment")).content.decode()
    assert "Polussa ei ole tätä tietoa" not in page
    assert state_assessment().indicators[3].name[language] in page


def test_roles_without_aggregates_and_without_an_area_are_refused(client: Client, make_staff: Any) -> None:
    from polku.access.models import Role

    client.force_login(make_staff(Role.MANAGER, area=None).user)
    assert client.get(reverse("kpi:state_assessment")).status_code == 403
