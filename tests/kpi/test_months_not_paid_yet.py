"""A municipal-share indicator has no figure for the months after the latest paid benefits recorded: "no data yet",
as the share page says, not zero euros — in the payload every interface gives and on the indicator page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from polku.access.models import Role, StaffProfile
from polku.kpi import presenters
from polku.people.models import Person
from polku.timeline import services

pytestmark = pytest.mark.django_db

INDICATOR = "municipal_share_all_benefits"


def paid(make_person: Callable[..., Person], months: list[date]) -> None:
    person = make_person(since=date(2019, 1, 1))
    for month in months:
        services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=18,
                                      amount=Decimal("37.21") * 18)


def test_months_after_the_latest_paid_month_have_no_figure(make_person: Callable[..., Person]) -> None:
    paid(make_person, [date(2021, m, 1) for m in range(1, 11)])  # paid through October
    query = presenters.build_query(indicator=INDICATOR, scope="765", first_month="2021-09", last_month="2021-12")
    values = {v["period"]: v for v in presenters.kpi_payload(query, suppress=False)["values"]}
    assert values["2021-10"]["note"] is None
    assert values["2021-10"]["numerator"] is not None
    for month in ("2021-11", "2021-12"):
        assert (values[month]["value"], values[month]["numerator"], values[month]["note"]) == (
            None, None, presenters.NOT_PAID_YET)
    by_year = presenters.build_query(indicator=INDICATOR, scope="765", year=2021)
    assert presenters.kpi_payload(by_year, suppress=False)["values"][0]["value"] is not None  # a year sums its months


def test_other_indicators_keep_their_months(make_person: Callable[..., Person]) -> None:
    paid(make_person, [date(2021, 1, 1)])
    query = presenters.build_query(indicator="unemployed_jobseekers", scope="765", first_month="2021-11",
                                   last_month="2021-12")
    assert all(v["note"] != presenters.NOT_PAID_YET for v in presenters.kpi_payload(query, suppress=False)["values"])


def test_the_page_says_no_data_yet(make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile],
                                   settings: Any) -> None:
    paid(make_person, [date(2021, m, 1) for m in range(1, 11)])
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD, area="kainuu-trial").user)
    html = client.get(f"/mittarit/{INDICATOR}/", {"scope": "765", "first_month": "2021-09",
                                                   "last_month": "2021-12"}).content.decode()
    assert html.count("ei vielä tietoja") == 2
    assert '<th scope="row">11/2021</th>' in html


def test_a_month_with_a_note_of_its_own_keeps_it(make_person: Callable[..., Person]) -> None:
    """A month without the area ("ei aluetta") says so, after the latest paid month too; a month without a note
    there is "no data yet"."""
    from polku.kpi.engine import NOT_IN_FORCE, IndicatorValue

    paid(make_person, [date(2021, 10, 1)])
    query = presenters.build_query(indicator=INDICATOR, scope="765", first_month="2021-11", last_month="2021-12")
    without_area = IndicatorValue(INDICATOR, 1, "2021-11", "765", "", None, None, None, 1, note=NOT_IN_FORCE)
    counted = IndicatorValue(INDICATOR, 1, "2021-12", "765", "", Decimal(0), None, Decimal(0), 1)
    kept, marked = presenters._without_months_not_paid_yet(query, [without_area, counted])
    assert kept == without_area
    assert (marked.value, marked.note) == (None, presenters.NOT_PAID_YET)
