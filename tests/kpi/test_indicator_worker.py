"""An indicator page never waits for the engine (``polku.kpi.indicator_figures``): the worker computes its figures.

The first load shows a progress bar and queues the job; the worker's figures are then shown with the time they were
computed; after new facts the page shows them as older while new ones are computed. A download still waits for its
figures, and a scope outside the user's area is refused before anything is queued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from polku.access.models import Role, StaffProfile
from polku.jobs.worker import run_worker
from polku.people.models import Person
from polku.timeline import services
from tests.chart_support import chart_specs, inline_rows

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs its jobs in transactions

URL = "/mittarit/long_term_unemployed/"
CHOICES = {"scope": "765", "first_month": "2021-11", "last_month": "2021-12"}


@pytest.fixture(autouse=True)
def in_the_background(settings: Any) -> None:
    settings.POLKU_KPI_PAGE_WORKER = True  # the product's default (tests/conftest.py computes at once)


def long_term_unemployed(make_person: Callable[..., Person], count: int) -> None:
    for _ in range(count):
        person = make_person(since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))


def chart_values(html: str) -> set[tuple[str, float]]:
    return {(r["period"], r["value"]) for r in inline_rows(chart_specs(html)["mittari"]) if "period" in r}


def test_the_page_shows_a_progress_bar_then_the_workers_figures_then_updates_them(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    long_term_unemployed(make_person, 6)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    waiting = client.get(URL, CHOICES)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "Lukuja lasketaan" in html
    assert "data-job-progress" in html
    assert 'id="arvot-otsikko"' not in html  # no table before there are figures
    assert client.get(URL, CHOICES).content.decode().count("data-job-progress") == 1
    assert DBTaskResult.objects.count() == 1  # queued once, however many loads
    retried = client.get(URL, {**CHOICES, "uudelleen": "1"})  # "try again now": back to the address the bar reloads
    assert retried.status_code == 302
    assert "uudelleen" not in retried["Location"]
    run_worker()
    html = client.get(URL, CHOICES).content.decode()
    assert "Luvut on laskettu" in html
    assert chart_values(html) == {("2021-11", 6.0), ("2021-12", 6.0)}
    assert '<th scope="row">12/2021</th>' in html  # the table, beside the chart
    long_term_unemployed(make_person, 1)  # new facts: the earlier figures, said to be older, while new ones compute
    updating = client.get(URL, CHOICES).content.decode()
    assert "Lukuja päivitetään" in updating
    assert chart_values(updating) == {("2021-11", 6.0), ("2021-12", 6.0)}
    run_worker()
    html = client.get(URL, CHOICES).content.decode()
    assert "Lukuja päivitetään" not in html
    assert chart_values(html) == {("2021-11", 7.0), ("2021-12", 7.0)}


def test_the_workers_figures_are_in_the_readers_language(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    long_term_unemployed(make_person, 6)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    choices = {**CHOICES, "dimension": "gender"}
    client.cookies["django_language"] = "en"
    client.get(URL, choices)
    client.cookies["django_language"] = "fi"
    client.get(URL, choices)
    run_worker()
    finnish = client.get(URL, choices).content.decode()
    assert "<td>nainen</td>" in finnish or "<td>mies</td>" in finnish
    client.cookies["django_language"] = "en"
    english = client.get(URL, choices).content.decode()
    assert "<td>female</td>" in english or "<td>male</td>" in english


def test_a_download_waits_for_its_figures(make_person: Callable[..., Person],
                                          make_staff: Callable[..., StaffProfile]) -> None:
    long_term_unemployed(make_person, 6)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    csv_file = client.get(URL, {**CHOICES, "format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
    assert "2021-12;765;;;6;;6;" in csv_file.content.decode("utf-8-sig")
    assert not DBTaskResult.objects.exists()


def test_a_scope_outside_the_area_is_refused_and_nothing_is_queued(make_staff: Callable[..., StaffProfile]) -> None:
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    html = client.get(URL, {**CHOICES, "scope": "297"}).content.decode()  # Kuopio
    assert "Valintaa ei voitu näyttää" in html
    assert "data-job-progress" not in html
    bad_month = client.get(URL, {**CHOICES, "first_month": "2021-13"}).content.decode()
    assert "Valintaa ei voitu näyttää" in bad_month
    assert not DBTaskResult.objects.exists()


def test_the_table_writes_months_and_numbers_as_the_reader_does() -> None:
    """The page's table (the API keeps "2025-01" and "2000313.35"): the month as the pages write one, the numbers
    grouped, with the reader's decimal sign and the figure's own decimals."""
    from django.utils import translation

    from polku.kpi.presenters import table_values

    payload = {"values": [{"period": "2025-01", "numerator": "2000313.35", "denominator": "11939", "value": "36.2"},
                          {"period": "2024", "numerator": None, "denominator": "0", "value": None}]}
    with translation.override("fi"):
        first, year = table_values(payload)
    assert (first["period_text"], first["numerator_text"], first["denominator_text"], first["value_text"]) == (
        "1/2025", "2\xa0000\xa0313,35", "11\xa0939", "36,2")
    assert (year["period_text"], year["numerator_text"], year["denominator_text"], year["value_text"]) == (
        "2024", None, "0", None)
    with translation.override("en"):
        assert table_values(payload)[0]["numerator_text"] == "2\xa0000\xa0313.35"
    assert first["period"] == "2025-01"  # the payload's own fields are kept


def test_an_elected_official_gets_small_cells_hidden_from_their_own_values(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    """The worker's values for a role that sees aggregates only are their own, suppressed: a team lead's values for
    the same choices are never shown to them."""
    long_term_unemployed(make_person, 3)
    lead, official = Client(), Client()
    lead.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    official.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial").user)
    lead.get(URL, CHOICES)
    run_worker()
    assert chart_values(lead.get(URL, CHOICES).content.decode()) == {("2021-11", 3.0), ("2021-12", 3.0)}
    waiting = official.get(URL, CHOICES).content.decode()
    assert "Lukuja lasketaan" in waiting  # not the lead's values: a computation of their own
    run_worker()
    html = official.get(URL, CHOICES).content.decode()
    assert "&lt; 5" in html
    assert ">3<" not in html
    assert "mittari" not in chart_specs(html)  # nothing left to draw


def test_after_new_facts_the_refresh_asks_for_the_values_again_as_background_work(
        make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> None:
    from polku.core import precomputed
    from polku.kpi.indicator_figures import INDICATOR_VALUES

    long_term_unemployed(make_person, 6)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    client.get(URL, CHOICES)
    run_worker()
    precomputed.new_facts_generation()  # what an import does after its commit
    queued = precomputed.refresh_recent()
    jobs = DBTaskResult.objects.filter(id__in=queued)
    assert [job.args_kwargs["args"][0] for job in jobs] == [INDICATOR_VALUES]
    assert {job.priority for job in jobs} == {precomputed.REFRESH_PRIORITY}
    run_worker()
    assert "Lukuja päivitetään" not in client.get(URL, CHOICES).content.decode()


def test_figures_as_of_a_past_month_are_kept_for_good(make_person: Callable[..., Person],
                                                      make_staff: Callable[..., StaffProfile]) -> None:
    """Values as of a past month never change: once computed they serve every later load, after the worker's
    result has expired too, without a job queued again. (The facts here were recorded today: as known at the end of
    January 2022 there was nobody to count.)"""
    from django.core.cache import cache

    long_term_unemployed(make_person, 6)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    as_of = {**CHOICES, "as_of": "2022-01"}
    client.get(URL, as_of)
    run_worker()
    assert chart_values(client.get(URL, as_of).content.decode()) == {("2021-11", 0.0), ("2021-12", 0.0)}
    jobs = DBTaskResult.objects.count()
    kept = [key for key in cache._cache if ":precomputed:kpi-indicator-values:" in key]  # type: ignore[attr-defined]
    assert kept
    for key in kept:  # the worker's result and latest expired
        cache._cache.pop(key)  # type: ignore[attr-defined]
    html = client.get(URL, as_of).content.decode()
    assert chart_values(html) == {("2021-11", 0.0), ("2021-12", 0.0)}
    assert "data-job-progress" not in html
    assert DBTaskResult.objects.count() == jobs
