"""A small Kainuu: benefit-receiving unemployed, seven in Sotkamo and six in Kajaani (shown), two in Kuhmo (always
withheld, and Kajaani with them in the area's figures by municipality)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from polku.core.calendar import add_months, iter_months, max_benefit_days_in_month
from polku.timeline import services

JUNE = date(2021, 6, 1)
SOTKAMO, KAJAANI, KUHMO, AREA = "765", "205", "290", "kainuu-trial"


@pytest.fixture
def kainuu(make_person: Any) -> dict[str, list[Any]]:
    """Unemployed from March 2020 on the labour market subsidy since January 2019, so that the municipal share has
    begun (after 300 paid days) well before the report month."""
    cache.clear()
    persons: dict[str, list[Any]] = {SOTKAMO: [], KAJAANI: [], KUHMO: []}
    for municipality, n in ((SOTKAMO, 7), (KAJAANI, 6), (KUHMO, 2)):
        for i in range(n):
            person = make_person(municipality=municipality, since=date(2018, 1, 1))
            services.status_spell_record(person=person, status="unemployed", start_date=date(2020, 3, 2))
            for month in iter_months(date(2019, 1, 1), add_months(JUNE, 1)):
                days = max_benefit_days_in_month(month) - (i % 3)
                services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy",
                                              days=days, amount=Decimal("34.24") * days)
            persons[municipality].append(person)
    return persons
