"""The stock and events relations' SQL (structural unemployment and long-term unemployment included) equals the
reference evaluator on random histories, on DuckDB in both of its history forms: joined by hashing, and looked up per row in
an indexed spells table (the form SQLite and PostgreSQL use)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.core.calendar import iter_months
from polku.derived import runs
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import Request, sql_backend
from polku.kpi.reference_evaluator import HomeFact, KpiPerson, reference_measure_table
from polku.kpi.relations import Sources
from tests.kpi.cases import VOCABULARY

MONTHS = tuple(iter_months(date(2019, 6, 1), date(2021, 6, 1)))
HORIZON = date(2021, 6, 30)
NO_RECORDS: dict[str, Any] = dict.fromkeys(("decisions", "assignments", "offerings", "capacities", "participations",
                                             "job_offers", "profiles", "employer_contacts", "feedback"))


@st.composite
def timelines(draw: Any) -> list[list[runs.StatusFact]]:
    """Persons' non-overlapping spells around the months asked: unemployment broken by short jobs, services and gaps,
    so that runs end and begin again within 16 months (what the structural history adds up)."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        day = date(2018, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
        spells = []
        for _ in range(draw(st.integers(1, 8))):
            status = draw(st.sampled_from(["unemployed", "unemployed", "laid_off_full", "employed", "in_service"]))
            service = draw(st.sampled_from(["coaching", "startup_grant"])) if status == "in_service" else None
            length = draw(st.integers(0, 330))
            end = None if draw(st.integers(0, 9)) == 0 else day + timedelta(days=length)
            spells.append(runs.StatusFact(day, end, status, service))
            if end is None:
                break
            day = end + timedelta(days=1 + draw(st.sampled_from([0, 0, 0, 1, 20, 90])))
        out.append(spells)
    return out


def _duckdb_with(people: list[KpiPerson]) -> Any:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE persons_t (id UUID, birth_date DATE, gender VARCHAR, language VARCHAR)")
    connection.execute("CREATE TABLE spells_t (person_id UUID, start_date DATE, end_date DATE, status_id VARCHAR, "
                       "service_type_id VARCHAR)")
    connection.execute("CREATE TABLE homes_t (person_id UUID, start_date DATE, end_date DATE, municipality_id VARCHAR)")
    connection.execute("CREATE TABLE searches_t (person_id UUID, registered_on DATE, ended_on DATE, end_reason VARCHAR)")
    connection.executemany("INSERT INTO persons_t VALUES (?, ?, ?, ?)",
                           [(p.person_id, p.birth_date, p.gender, p.language) for p in people])
    spells = [(p.person_id, s.start, s.end, s.status, s.service_type) for p in people for s in p.spells]
    if spells:
        connection.executemany("INSERT INTO spells_t VALUES (?, ?, ?, ?, ?)", spells)
    connection.executemany("INSERT INTO homes_t VALUES (?, ?, ?, ?)",
                           [(p.person_id, h.start, h.end, h.municipality) for p in people for h in p.homes])
    return connection


def _stock_table(connection: Any, request: Request, *, indexed: bool) -> Any:
    sources = Sources(status_spells="spells_t", homes="homes_t", job_searches="searches_t", persons="persons_t",
                      versioned=False, persons_have_team=False, **NO_RECORDS)
    # indexed: the per-row lookup in the spells table, the form SQLite and PostgreSQL run.
    backend = sql_backend("duckdb", lambda sql: connection.execute(sql).fetchall(), sources, VOCABULARY,
                          execute=connection.execute, lookup_history=indexed)
    return backend.measure_table(request)


@settings(max_examples=80, deadline=None)
@given(timeline=timelines())
def test_stock_equals_reference_on_random_histories(timeline: list[list[runs.StatusFact]]) -> None:
    people = [KpiPerson(str(uuid.UUID(int=n + 1)), date(1960 + 7 * n, 3, 1), spells=spells,
                        homes=[HomeFact(date(2000, 1, 1), None, "765")]) for n, spells in enumerate(timeline)]
    # Stock and events: the request for which the spells are a table of their own, as in a national run.
    indicators = tuple(d for d in shipped_definitions().latest() if d.numerator.relation in ("stock", "events"))
    connection = _duckdb_with(people)
    for dimension in ("structural", None):
        request = Request(indicators, MONTHS, HORIZON, None, dimension)
        expected = reference_measure_table(request, people, VOCABULARY)
        assert _stock_table(connection, request, indexed=False) == expected
        assert _stock_table(connection, request, indexed=True) == expected
