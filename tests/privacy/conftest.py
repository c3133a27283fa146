"""A small register for the privacy tests: persons with job-search periods ended at chosen days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from polku.casework.models import Meeting
from polku.people.models import Person
from polku.timeline import services as timeline


@pytest.fixture
def client_with_history(make_person: Any) -> Callable[..., Person]:
    """A person in Sotkamo (765) with a job search from ``start`` ended on ``ended`` (open when None), one status
    spell, two benefit months and a meeting with notes."""

    def factory(*, ended: date | None, start: date = date(2012, 1, 2), last_name: str = "Henkilö",
                code: str | None = None) -> Person:
        kwargs: dict[str, Any] = {"last_name": last_name, "since": date(2010, 1, 1)}
        if code:
            kwargs["personal_id_code"] = code
        person: Person = make_person(**kwargs)
        period = timeline.job_search_open(person=person, registered_on=start)
        timeline.status_spell_record(person=person, status="unemployed", start_date=start, end_date=ended)
        for month in (date(start.year, start.month, 1), date(start.year, start.month % 12 + 1, 1)):
            timeline.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=20,
                                          amount=Decimal("744.20"))
        Meeting.objects.create(person=person, held_on=start, kind="initial_interview", channel="phone",
                               notes=f"Muistiinpano {last_name}")
        if ended is not None:
            timeline.job_search_end(period=period, ended_on=ended, end_reason="open_market_job")
        return person

    return factory
