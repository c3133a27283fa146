"""Issue 16, item 8 ("months not yet complete are plotted as 0"; the same for an area's months before it existed): an
employment area has no figure for the months before it was set up — no value, marked as such — and a year counts only
the months it existed; its municipalities keep their figures for every month."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import NOT_IN_FORCE
from polku.kpi.selectors import indicator_values, scope_for
from polku.timeline import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def unemployed(make_person: Any) -> None:
    for _ in range(6):
        person = make_person(municipality="765", since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 6, 3))


def test_months_before_the_area_existed_have_no_figure(unemployed: None) -> None:
    definition = shipped_definitions().get("unemployed_jobseekers")
    area = {v.period: v for v in indicator_values(definition, scope_for("kainuu"), date(2024, 11, 1), date(2025, 2, 1))}
    assert [(p, area[p].value, area[p].note) for p in sorted(area)] == [
        ("2024-11", None, NOT_IN_FORCE), ("2024-12", None, NOT_IN_FORCE), ("2025-01", 6, ""), ("2025-02", 6, "")]
    municipality = indicator_values(definition, scope_for("765"), date(2024, 11, 1), date(2025, 2, 1))
    assert [v.value for v in municipality] == [6, 6, 6, 6]
    # The area that ran before it (the Kainuu trial, to the end of 2024) has no figure after it ended.
    trial = indicator_values(definition, scope_for("kainuu-trial"), date(2024, 12, 1), date(2025, 1, 1))
    assert [(v.value, v.note) for v in trial] == [(6, ""), (None, NOT_IN_FORCE)]


def test_a_year_counts_only_the_months_the_area_existed(unemployed: None) -> None:
    definition = shipped_definitions().get("unemployed_jobseekers")  # a year's figure is the months' average
    years = indicator_values(definition, scope_for("kainuu"), date(2024, 1, 1), date(2025, 12, 1), by_year=True)
    by_year = {v.period: v for v in years}
    assert by_year["2024"].value is None
    assert by_year["2024"].note == NOT_IN_FORCE
    assert by_year["2025"].value == 6  # not 6 × 12 / 24, nor diluted by 2024
    assert by_year["2025"].months == 12


def test_the_indicator_page_says_why_a_month_has_no_figure(unemployed: None, make_staff: Any) -> None:
    from django.test import Client

    from polku.access.models import Role

    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    html = client.get("/mittarit/unemployed_jobseekers/?scope=kainuu&first_month=2024-11&last_month=2025-02"
                      ).content.decode()
    assert html.count("ei aluetta") == 2
    assert "työllisyysalue ei ollut vielä perustettu" in html
    html = client.get("/mittarit/unemployed_jobseekers/?scope=765&first_month=2024-11&last_month=2025-02"
                      ).content.decode()
    assert "ei aluetta" not in html


def test_a_part_year_says_how_many_months_it_counts(unemployed: None, make_staff: Any) -> None:
    """An area set up in July has a 2025 figure from six months, and the page says so beside the year."""
    from django.test import Client

    from polku.access.models import Role
    from polku.reference.models import EmploymentArea, EmploymentAreaMembership

    EmploymentArea.objects.filter(code="kainuu").update(valid_from=date(2025, 7, 1))
    EmploymentAreaMembership.objects.filter(area__code="kainuu").update(valid_from=date(2025, 7, 1))
    definition = shipped_definitions().get("unemployed_jobseekers")
    (year,) = indicator_values(definition, scope_for("kainuu"), date(2025, 1, 1), date(2025, 12, 1), by_year=True)
    assert (year.value, year.months) == (6, 6)
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    html = client.get("/mittarit/unemployed_jobseekers/?scope=kainuu&year=2025").content.decode()
    assert "(6 kuukautta)" in html
