"""The programme's own indicators over recorded decisions: wage subsidy and start-up grant decisions per year and
euros committed to the municipal wage supplement. Hand-stated values, and the same measure table from the database
in use, DuckDB over a Parquet snapshot, and the pure-Python reference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from polku.access.models import Role, StaffProfile
from polku.core.calendar import iter_months
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import HELSINKI, Request
from polku.kpi.reference_evaluator import DecisionFact, reference_measure_table
from polku.kpi.relations import shipped_vocabulary
from polku.kpi.selectors import database_backend, duckdb_parquet_backend, indicator_values, scope_for
from polku.kpi.snapshot import export_parquet
from polku.people.models import Person
from polku.provision import services

pytestmark = pytest.mark.django_db
CODES = ("wage_subsidy_decisions", "start_up_grant_decisions", "municipal_wage_supplement_committed")
MONTHS = tuple(iter_months(date(2022, 1, 1), date(2022, 12, 1)))


@pytest.fixture
def decisions(make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile]) -> list[DecisionFact]:
    admin = make_staff(Role.ADMIN, area=None).user
    employer = services.employer_create(name="Testi Oy", business_id="9000001-1", municipality_code="765")
    services.budget_set(municipality_code="765", year=2022, amount=Decimal(50_000))
    sotkamo = [make_person(municipality="765", since=date(2015, 1, 1)) for _ in range(2)]
    kuopio = make_person(municipality="297", since=date(2015, 1, 1))
    rows = [  # person, kind, €/month, months, decided on, percent
        (sotkamo[0], "wage_subsidy", "1000.00", 6, date(2022, 2, 15), 50),
        (sotkamo[1], "wage_subsidy", "1200.50", 10, date(2022, 2, 28), 70),
        (sotkamo[0], "municipal_wage_supplement", "500.00", 10, date(2022, 3, 10), None),
        (sotkamo[1], "municipal_wage_supplement", "333.33", 3, date(2022, 11, 30), None),
        (sotkamo[1], "start_up_grant", "700.00", 12, date(2022, 3, 31), None),
        (kuopio, "wage_subsidy", "900.00", 5, date(2022, 2, 1), 50),
    ]
    facts = []
    for person, kind, amount, months, decided_on, percent in rows:
        decision = services.decision_create(
            person=person, kind=kind, monthly_amount=Decimal(amount), months=months, start_date=decided_on,
            decided_on=decided_on, actor=admin, employer=None if kind == "start_up_grant" else employer, percent=percent)
        facts.append(DecisionFact(str(person.pk), kind, decision.municipality_id or "", decided_on,
                                  Decimal(amount) * months))
    return facts


def _value(code: str, first: date, last: date, *, by_year: bool = False, municipality: str = "765") -> list[Any]:
    definition = shipped_definitions().get(code)
    return [(v.period, v.value) for v in indicator_values(definition, scope_for(municipality), first, last, by_year=by_year)]


def test_golden_values(decisions: list[DecisionFact]) -> None:
    assert _value("wage_subsidy_decisions", date(2022, 2, 1), date(2022, 3, 1)) == [("2022-02", 2), ("2022-03", 0)]
    assert _value("wage_subsidy_decisions", date(2022, 1, 1), date(2022, 12, 1), by_year=True) == [("2022", 2)]
    assert _value("wage_subsidy_decisions", date(2022, 2, 1), date(2022, 2, 1), municipality="297") == [("2022-02", 1)]
    assert _value("start_up_grant_decisions", date(2022, 3, 1), date(2022, 3, 1)) == [("2022-03", 1)]
    committed = _value("municipal_wage_supplement_committed", date(2022, 1, 1), date(2022, 12, 1), by_year=True)
    assert committed == [("2022", Decimal("5999.99"))]  # 500 × 10 + 333.33 × 3


def test_same_measure_table_on_every_engine(decisions: list[DecisionFact], tmp_path: Path) -> None:
    book = shipped_definitions()
    request = Request(tuple(book.get(c) for c in CODES), MONTHS, date(2022, 12, 31), None, None)
    database = database_backend().measure_table(request)
    reference = reference_measure_table(request, [], shipped_vocabulary(), decisions=decisions)
    export_parquet(tmp_path)
    with duckdb.connect() as connection:
        parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
    assert database == reference == parquet
    assert len(database) == 5  # Feb (765, 297) wage subsidy, Mar start-up grant, Mar and Nov supplement


def test_as_of_counts_only_what_was_recorded_then(decisions: list[DecisionFact]) -> None:
    definition = shipped_definitions().get("wage_subsidy_decisions")
    before = indicator_values(definition, scope_for("765"), date(2022, 2, 1), date(2022, 2, 1), as_of=date(2022, 2, 1))
    # The decisions were recorded today (created_at), long after February 2022: as known then, there were none.
    assert [v.value for v in before] in ([0], [None])


def test_clients_per_counsellor_on_every_engine(make_person: Callable[..., Person], make_staff: Callable[..., StaffProfile],
                                                tmp_path: Path) -> None:
    """Counsellor A has three Sotkamo clients; B two in Sotkamo and one in Kuopio, so B counts in Sotkamo with all
    three until one Sotkamo search ends and the tie goes to the lower code (Kuopio, 297). An ended assignment or
    job search does not count."""
    from datetime import datetime, timedelta

    from polku.casework.models import CaseAssignment
    from polku.kpi.reference_evaluator import AssignmentFact, HomeFact, KpiPerson, SearchFact
    from polku.timeline import services as timeline

    counsellor_a = make_staff(Role.COUNSELLOR, area=None).user
    counsellor_b = make_staff(Role.COUNSELLOR, area=None).user
    facts: list[KpiPerson] = []
    setup = [("765", counsellor_a, None), ("765", counsellor_a, None), ("765", counsellor_a, None),
             ("765", counsellor_b, None), ("765", counsellor_b, date(2022, 11, 15)), ("297", counsellor_b, None)]
    for municipality, counsellor, search_ended in setup:
        person = make_person(municipality=municipality, since=date(2015, 1, 1))
        timeline.job_search_open(person=person, registered_on=date(2022, 6, 1), ended_on=search_ended,
                                 end_reason="studies" if search_ended else "")
        CaseAssignment.objects.create(person=person, counsellor=counsellor, valid_from=date(2022, 6, 1),
                                      started_at=datetime(2022, 6, 1, 9, tzinfo=HELSINKI))
        facts.append(KpiPerson(str(person.pk), person.birth_date, homes=[HomeFact(date(2015, 1, 1), None, municipality)],
                               searches=[SearchFact(date(2022, 6, 1), search_ended)]))
    # Assignments began in June; one of A's ended in September (that client then had nobody).
    june = datetime(2022, 6, 1, 9, tzinfo=HELSINKI)
    ended = CaseAssignment.objects.filter(counsellor=counsellor_a).order_by("pk").first()
    assert ended is not None
    CaseAssignment.objects.filter(pk=ended.pk).update(ended_at=june + timedelta(days=100))
    assignments = [AssignmentFact(str(a.person_id), a.counsellor_id, a.started_at, a.ended_at)
                   for a in CaseAssignment.objects.all() if a.counsellor_id is not None]
    definition = shipped_definitions().get("clients_per_counsellor")
    months = (date(2022, 5, 1), date(2022, 8, 1), date(2022, 12, 1))
    request = Request((definition,), months, date(2022, 12, 31), None, None)
    database = database_backend().measure_table(request)
    reference = reference_measure_table(request, facts, shipped_vocabulary(), assignments=assignments)
    export_parquet(tmp_path)
    with duckdb.connect() as connection:
        parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
    assert database == reference == parquet
    values = {v.period: v.value for v in indicator_values(definition, scope_for("765"), months[0], months[-1])}
    # May: nobody assigned yet; August: A 3 + B 3 over 2 counsellors = 3; December: A 2 alone (B went to Kuopio).
    assert (values["2022-05"], values["2022-08"], values["2022-12"]) == (None, Decimal(3), Decimal(2))
    yearly = indicator_values(definition, scope_for("765"), date(2022, 8, 1), date(2022, 12, 1), by_year=True)
    # Aug 3+3, Sep 2+3 (A's first assignment ended 9.9.), Oct 2+3, Nov 2 (B's Sotkamo search ended 15.11.), Dec 2.
    assert [(v.numerator, v.denominator) for v in yearly] == [(Decimal(20), Decimal(8))]
    kuopio = {v.period: v.value for v in indicator_values(definition, scope_for("297"), months[0], months[-1])}
    assert kuopio["2022-12"] == Decimal(2)
