"""The service fill rate (palvelujen täyttöaste): participants / places × 100 on the calculation day, per employment
area. Hand-computed values, and the same measure table from the database in use, DuckDB over a Parquet snapshot and
the pure-Python reference.

The facts (Kainuu trial area, January–April 2024; calculation days 31.1., 29.2., 28.3. — 29.3. is Good Friday and the
month ends on Easter weekend — and 30.4.):

- A, work trial: 4 places, 6 from 15.2., 3 from 1.4. P1 takes part 10.1.–29.3. (ends on Good Friday, so it still
  covers 28.3.); P2 from 15.1., planned to 30.4., ended early on 14.2.; P3 starts on Good Friday 29.3. (not yet on
  March's calculation day).
- B, coaching: 2 places; P4 from 2.1., P5 from 1.2.: full (100 %) from February.
- C, rehabilitative work: 5 places from 1.2., nobody taking part (P6 is only referred: holds a place, does not take part).
- D, Kuopio area: 10 places, one participant; never in Kainuu's figures.

| month | A | B | C | participants / places | fill rate |
| --- | --- | --- | --- | --- | --- |
| 2024-01 | 2/4 | 1/2 | (not open) | 3/6 | 50.0 |
| 2024-02 | 1/6 | 2/2 | 0/5 | 3/13 | 23.1 |
| 2024-03 | 1/6 | 2/2 | 0/5 | 3/13 | 23.1 |
| 2024-04 | 1/3 | 2/2 | 0/5 | 3/10 | 30.0 |
| year (Jan–Apr) | | | | 12/42 | 28.6 |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from polku.access.models import Role, StaffProfile
from polku.core.calendar import iter_months, last_working_day
from polku.core.errors import ValidationFailed
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import Request
from polku.kpi.reference_evaluator import OfferingFact, ParticipationFact, reference_measure_table
from polku.kpi.relations import shipped_vocabulary
from polku.kpi.selectors import database_backend, duckdb_parquet_backend, indicator_values, scope_for
from polku.kpi.snapshot import export_parquet
from polku.people.models import Person
from polku.provision import services
from polku.provision.models import ServiceOffering

pytestmark = pytest.mark.django_db
AREA = "kainuu-trial"
MONTHS = tuple(iter_months(date(2024, 1, 1), date(2024, 4, 1)))
HORIZON = date(2024, 4, 30)


@dataclass
class Catalogue:
    offerings: list[OfferingFact]
    participations: list[ParticipationFact]
    a: ServiceOffering


@pytest.fixture
def catalogue(make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> Catalogue:
    admin = make_staff(Role.ADMIN, area=None).user
    kainuu = services.provider_create(name="Sotkamon kunta", kind="municipal", area_code=AREA)
    kuopio = services.provider_create(name="Kuopion kaupunki", kind="municipal", area_code="kuopio")
    a = services.offering_create(provider=kainuu, service_type="work_trial", name="A", capacity=4,
                                 available_from=date(2024, 1, 1))
    b = services.offering_create(provider=kainuu, service_type="coaching", name="B", capacity=2,
                                 available_from=date(2024, 1, 1))
    c = services.offering_create(provider=kainuu, service_type="rehabilitative_work", name="C", capacity=5,
                                 available_from=date(2024, 2, 1))
    d = services.offering_create(provider=kuopio, service_type="work_trial", name="D", capacity=10,
                                 available_from=date(2024, 1, 1))
    participations = []

    def take_part(offering: ServiceOffering, start: date, planned_end: date, ended: date | None = None) -> None:
        person = make_person(municipality="765", since=date(2015, 1, 1))
        referral = services.referral_create(person=person, offering=offering, referred_on=start, actor=admin)
        referral = services.participation_start(referral=referral, start_date=start, planned_end=planned_end, actor=admin)
        if ended is not None:
            services.participation_end(referral=referral, end_date=ended, actor=admin)
        participations.append(ParticipationFact(offering.pk, str(person.pk), start, ended or planned_end))

    take_part(a, date(2024, 1, 10), date(2024, 3, 29))  # P1
    take_part(a, date(2024, 1, 15), date(2024, 4, 30), ended=date(2024, 2, 14))  # P2
    take_part(a, date(2024, 3, 29), date(2024, 6, 30))  # P3
    take_part(b, date(2024, 1, 2), date(2024, 12, 31))  # P4
    take_part(b, date(2024, 2, 1), date(2024, 12, 31))  # P5
    take_part(d, date(2024, 1, 8), date(2024, 5, 31))
    services.referral_create(person=make_person(municipality="765"), offering=c, referred_on=date(2024, 2, 10),
                             actor=admin)  # P6: referred, never started
    services.offering_capacity_change(offering=a, capacity=6, valid_from=date(2024, 2, 15), actor=admin)
    services.offering_capacity_change(offering=a, capacity=3, valid_from=date(2024, 4, 1), actor=admin)
    offerings = [
        OfferingFact(a.pk, AREA, "work_trial", 4, date(2024, 1, 1), None,
                     ((date(2024, 2, 15), 6), (date(2024, 4, 1), 3))),
        OfferingFact(b.pk, AREA, "coaching", 2, date(2024, 1, 1)),
        OfferingFact(c.pk, AREA, "rehabilitative_work", 5, date(2024, 2, 1)),
        OfferingFact(d.pk, "kuopio", "work_trial", 10, date(2024, 1, 1)),
    ]
    return Catalogue(offerings, participations, a)


def _values(first: date, last: date, **kwargs: object) -> list[tuple[str, str, Decimal | None]]:
    definition = shipped_definitions().get("service_fill_rate")
    return [(v.period, v.group, v.value)
            for v in indicator_values(definition, scope_for(AREA), first, last, **kwargs)]  # type: ignore[arg-type]


def test_the_calculation_days() -> None:
    """The month ends of the case: March 2024 ends on Easter weekend after Good Friday."""
    assert [last_working_day(m) for m in MONTHS] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 28),
                                                      date(2024, 4, 30)]


def test_golden_values(catalogue: Catalogue) -> None:
    assert _values(MONTHS[0], MONTHS[-1]) == [
        ("2024-01", "", Decimal("50.0")), ("2024-02", "", Decimal("23.1")), ("2024-03", "", Decimal("23.1")),
        ("2024-04", "", Decimal("30.0"))]
    assert _values(MONTHS[0], MONTHS[-1], by_year=True) == [("2024", "", Decimal("28.6"))]  # 12 / 42
    assert _values(date(2024, 2, 1), date(2024, 2, 1), dimension="service_type") == [
        ("2024-02", "coaching", Decimal("100.0")), ("2024-02", "rehabilitative_work", Decimal("0.0")),
        ("2024-02", "work_trial", Decimal("16.7"))]
    kuopio = shipped_definitions().get("service_fill_rate")
    assert [v.value for v in indicator_values(kuopio, scope_for("kuopio"), MONTHS[0], MONTHS[0])] == [Decimal("10.0")]


def test_numerator_and_denominator_are_participants_and_places(catalogue: Catalogue) -> None:
    definition = shipped_definitions().get("service_fill_rate")
    values = indicator_values(definition, scope_for(AREA), MONTHS[0], MONTHS[-1])
    assert [(v.numerator, v.denominator) for v in values] == [(3, 6), (3, 13), (3, 13), (3, 10)]


def test_small_cells_are_hidden_for_aggregate_only_readers(catalogue: Catalogue) -> None:
    """Three participants rest on fewer than five persons; the empty offering (0 of 5) is no small cell."""
    by_type = _values(date(2024, 2, 1), date(2024, 2, 1), dimension="service_type", suppress=True)
    assert by_type == [("2024-02", "coaching", None), ("2024-02", "rehabilitative_work", Decimal("0.0")),
                       ("2024-02", "work_trial", None)]


def test_a_municipality_has_no_figure_of_its_own(catalogue: Catalogue) -> None:
    """Offerings belong to an area: a municipality is refused, naming the field and the area to choose."""
    definition = shipped_definitions().get("service_fill_rate")
    with pytest.raises(ValidationFailed) as refused:
        indicator_values(definition, scope_for("765"), MONTHS[0], MONTHS[-1])
    assert refused.value.errors[0].field == "scope"
    assert "kainuu-trial" in refused.value.errors[0].message


def test_the_api_names_its_own_parameter(catalogue: Catalogue, make_staff: Callable[..., StaffProfile]) -> None:
    """The API asks for ``municipality`` or ``area``: its refusal names the one sent, not the page's ``scope``."""
    from django.test import Client

    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu-trial").user)
    refused = client.get("/api/kpi/indicators/service_fill_rate", {"municipality": "765", "month": "2024-02"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "municipality"
    answered = client.get("/api/kpi/indicators/service_fill_rate", {"area": "kainuu-trial", "month": "2024-02"})
    assert answered.status_code == 200


def test_as_of_counts_only_what_was_recorded_then(catalogue: Catalogue) -> None:
    """The catalogue and the participations were recorded today (2026), long after April 2024: as known then, the
    area had no offerings, so there is no rate (no places to divide by)."""
    assert _values(MONTHS[-1], MONTHS[-1], as_of=date(2024, 4, 1)) == [("2024-04", "", None)]
    assert _values(MONTHS[-1], MONTHS[-1]) == [("2024-04", "", Decimal("30.0"))]  # as known now


@pytest.mark.parametrize(("dimension", "areas", "cells"), [
    (None, None, 16), (None, (AREA,), 8), ("service_type", None, 27), ("service_type", (AREA,), 19)])
def test_same_measure_table_on_every_engine(catalogue: Catalogue, tmp_path: Path, dimension: str | None,
                                            areas: tuple[str, ...] | None, cells: int) -> None:
    """Cells: participants and places per area (and service type) and month; C's empty participant cells are absent."""
    definition = shipped_definitions().get("service_fill_rate")
    request = Request((definition,), MONTHS, HORIZON, areas, dimension)
    database = database_backend().measure_table(request)
    reference = reference_measure_table(request, [], shipped_vocabulary(), offerings=catalogue.offerings,
                                        participations=catalogue.participations)
    export_parquet(tmp_path)
    with duckdb.connect() as connection:
        parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
    assert database == reference == parquet
    assert len(database) == cells


def test_capacity_below_the_places_in_use_is_refused(catalogue: Catalogue) -> None:
    """From 1.4. the work trial has P3 taking part: one place cannot go below 1, and 0 places is refused too."""
    with pytest.raises(ValidationFailed) as refused:
        services.offering_capacity_change(offering=catalogue.a, capacity=1, valid_from=date(2024, 3, 29))
    assert [e.field for e in refused.value.errors] == ["capacity"]  # 29.3.: P1 and P3 both hold a place
    with pytest.raises(ValidationFailed) as refused:
        services.offering_capacity_change(offering=catalogue.a, capacity=0, valid_from=date(2024, 5, 1))
    assert [e.field for e in refused.value.errors] == ["capacity"]
    with pytest.raises(ValidationFailed) as refused:
        services.offering_capacity_change(offering=catalogue.a, capacity=5, valid_from=date(2024, 4, 1))
    assert [e.field for e in refused.value.errors] == ["valid_from"]  # already changed from that day
