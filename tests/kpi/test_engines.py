"""One set of definitions, four evaluators: the database in use (SQLite or PostgreSQL), DuckDB over a
Parquet snapshot, and the pure-Python reference must give identical measure tables on the golden cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.db import connection

from polku.access.models import Team
from polku.core.calendar import iter_months
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import MeasureTable, Request, add_tables, measure_in_parts
from polku.kpi.reference_evaluator import KpiPerson, reference_measure_table
from polku.kpi.relations import shipped_vocabulary
from polku.kpi.selectors import database_backend, duckdb_parquet_backend
from polku.kpi.snapshot import export_parquet
from polku.people.artificial import artificial_personal_id
from polku.people.models import Person
from polku.reference.models import EmploymentArea
from polku.timeline import services
from tests.kpi.cases import VOCABULARY, persons

MONTHS = tuple(iter_months(date(2021, 1, 1), date(2022, 12, 1)))
HORIZON = date(2022, 12, 31)


def _load(make_person: Callable[..., Person]) -> list[KpiPerson]:
    """Write the golden cases through the services; the reference gets the same facts with the db's team ids."""
    team = Team.objects.create(area=EmploymentArea.objects.get(code="kainuu-trial"), name="Nuoret")
    loaded = []
    for i, case in enumerate(persons()):
        serial = 900 + 2 * i + (1 if case.gender == "M" else 0)  # even individual numbers are women's
        in_team = case.person_id in ("flows", "turns_25")
        person = make_person(municipality=None, personal_id_code=artificial_personal_id(case.birth_date, serial),
                             language=case.language, team_id=team.pk if in_team else None)
        assert (person.birth_date, person.gender) == (case.birth_date, case.gender)
        if in_team:
            case.team = str(team.pk)
        for h in case.homes:
            services.home_municipality_record(person=person, municipality_code=h.municipality, start_date=h.start,
                                              end_date=h.end)
        for s in case.spells:
            services.status_spell_record(person=person, status=s.status, service_type=s.service_type,
                                         start_date=s.start, end_date=s.end)
        for j in case.searches:
            services.job_search_open(person=person, registered_on=j.registered, ended_on=j.ended, end_reason=j.reason)
        loaded.append(case)
    return loaded


def _request(dimension: str | None, municipalities: tuple[str, ...] | None) -> Request:
    book = shipped_definitions()
    indicators = tuple(d for d in book.latest() if d.numerator.relation in ("stock", "events"))
    return Request(indicators, MONTHS, HORIZON, municipalities, dimension)


def _on_cursor(duck: duckdb.DuckDBPyConnection, directory: Path, request: Request) -> MeasureTable:
    return duckdb_parquet_backend(duck.cursor(), directory, VOCABULARY).measure_table(request)


@pytest.mark.django_db
@pytest.mark.parametrize("dimension", [None, "age_group", "gender", "language", "team", "structural", "outcome",
                                       "service_type"])
def test_database_duckdb_and_reference_agree(make_person: Callable[..., Person], tmp_path: Path,
                                             dimension: str | None) -> None:
    cases = _load(make_person)
    assert shipped_vocabulary() == VOCABULARY  # the golden cases use the shipped catalogue's meaning
    export_parquet(tmp_path)
    for municipalities in (None, ("765",), ("205", "765")):
        request = _request(dimension, municipalities)
        expected = reference_measure_table(request, cases, VOCABULARY)
        assert expected, "the cases produce figures"
        on_database = database_backend().measure_table(request)
        duck = duckdb.connect()
        on_duckdb = duckdb_parquet_backend(duck, tmp_path, VOCABULARY).measure_table(request)
        assert on_database == expected
        assert on_duckdb == expected
        # In parts of the persons, side by side (a cursor each), as a national run on several cores.
        in_parts = measure_in_parts(partial(_on_cursor, duck, tmp_path), request, 3)
        assert in_parts == expected
        if connection.vendor == "postgresql":  # one part after another: the test's rows are this connection's only
            parts = [database_backend().measure_table(replace(request, part=(k, 3))) for k in range(3)]
            assert add_tables(parts) == expected


@pytest.mark.django_db
def test_sqlite_refuses_parts() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own refusal")
    with pytest.raises(ValueError, match="UUID keys"):
        database_backend().measure_table(replace(_request(None, None), part=(0, 2)))


@pytest.mark.django_db
def test_as_of_ignores_later_corrections(make_person: Callable[..., Person]) -> None:
    from datetime import datetime, timedelta

    from django.utils import timezone

    person = make_person()
    spell = services.status_spell_record(person=person, status="unemployed", start_date=date(2021, 1, 4))
    before = timezone.now()
    services.status_spell_record(person=person, status="unemployed", start_date=date(2021, 6, 1), corrects=spell,
                                 reason="rekisteröity väärällä päivällä")
    definition = shipped_definitions().get("unemployed_jobseekers")
    march = (date(2021, 3, 1),)

    def count(known_at: datetime | None) -> Any:
        table = database_backend().measure_table(Request((definition,), march, HORIZON, ("765",), None, known_at))
        return sum(v[0] for v in table.values())

    assert count(before) == 1  # as known before the correction
    assert count(None) == 0  # as known now
    assert count(before - timedelta(days=1)) == 0  # before anything was recorded


@pytest.mark.django_db
@pytest.mark.parametrize("dimension", [None, "benefit_type"])
def test_share_relation_agrees_with_the_share_engine(tmp_path: Path, dimension: str | None) -> None:
    """The share indicators' relation, computed by the municipal-share SQL on the database in use (PostgreSQL) and on
    DuckDB over a Parquet snapshot, equals the reference share engine's rows summed (``_python_share``, SQLite's)."""
    from polku.kpi.selectors import _python_share
    from polku.timeline.models import BenefitMonth, EmploymentConditionMet, HomeMunicipalitySpell
    from tests.municipal_share.test_sql_engine import random_people

    people = random_people(60, seed=41)
    Person.objects.bulk_create([
        Person(id=p.person_id, personal_id_hash=f"h{p.person_id}", personal_id_encrypted="x", first_names="A",
               last_name="B", birth_date=date(1980, 1, 1), gender="F") for p in people])
    BenefitMonth.objects.bulk_create([
        BenefitMonth(person_id=p.person_id, month=f.month, benefit_type=f.benefit_type, basis=f.basis, days=f.days,
                     amount=f.amount) for p in people for f in p.benefits])
    HomeMunicipalitySpell.objects.bulk_create([
        HomeMunicipalitySpell(person_id=p.person_id, start_date=h.start, end_date=h.end, municipality_id=h.municipality)
        for p in people for h in p.homes])
    EmploymentConditionMet.objects.bulk_create([
        EmploymentConditionMet(person_id=p.person_id, met_on=d) for p in people for d in p.employment_conditions])
    definitions = tuple(d for d in shipped_definitions().latest() if d.numerator.relation == "share")
    assert len(definitions) == 2
    months = tuple(iter_months(date(2024, 7, 1), date(2025, 6, 1)))  # both rule sets in force
    export_parquet(tmp_path)
    for municipalities in (None, ("765",)):
        request = Request(definitions, months, date(2025, 6, 30), municipalities, dimension)
        measures = [m for m in request.measures() if m.relation == "share"]
        expected = _python_share(request, measures)
        assert any(contributors > 1 for _, contributors in expected.values())
        keys = {m.key for m in measures}
        on_duckdb = duckdb_parquet_backend(duckdb.connect(), tmp_path, VOCABULARY).measure_table(request)
        assert {key: cell for key, cell in on_duckdb.items() if key[0] in keys} == expected
        on_database = database_backend().measure_table(request)
        assert {key: cell for key, cell in on_database.items() if key[0] in keys} == expected


@pytest.mark.django_db(transaction=True)
def test_national_measures_in_parts_read_committed_data(make_person: Callable[..., Person],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The open-data build's national computation: on PostgreSQL in parts, one connection (thread) each, over the
    committed facts; inside a transaction, or on SQLite, on this connection. The same table every way."""
    from django.db import transaction

    from polku.kpi import selectors

    cases = _load(make_person)  # committed: a transactional test
    request = _request("structural", None)
    expected = reference_measure_table(request, cases, VOCABULARY)
    calls: list[int] = []

    def observed(measure: Callable[[Request], MeasureTable], req: Request, parts: int) -> MeasureTable:
        calls.append(parts)
        return measure_in_parts(measure, req, parts)

    monkeypatch.setattr(selectors, "measure_in_parts", observed)
    assert selectors.measured_in_parts(request, parts=3) == expected
    assert calls == ([3] if connection.vendor == "postgresql" else [])
    with transaction.atomic():  # the parts' connections would not see this transaction's writes: one connection
        assert selectors.measured_in_parts(request, parts=3) == expected
    assert len(calls) == (1 if connection.vendor == "postgresql" else 0)
