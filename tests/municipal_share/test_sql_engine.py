"""The SQL engine (DuckDB, PostgreSQL) gives exactly the reference engine's rows on random histories."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest
from django.db import connection

from polku.core.calendar import add_months, max_benefit_days_in_month
from polku.municipal_share.engine import BenefitFact, HomeFact, PersonFacts, ShareRow, person_share_rows
from polku.municipal_share.rules import RuleBook, shipped_rule_book
from polku.municipal_share.sql_engine import POSTGRES_VIEWS, share_rows_sql

BOOK = shipped_rule_book()
# The unverified transition read the other way (domain-rules §9.2): the 2025 counter starts on 1.1.2025.
FROM_2025 = replace(BOOK, rule_sets=tuple(replace(r, counts_days_from=date(2025, 1, 1)) if r.valid_from.year == 2025
                                          else r for r in BOOK.rule_sets))
BOOKS = pytest.mark.parametrize("book", [BOOK, FROM_2025], ids=["days-carried", "days-from-2025"])
BENEFITS = ("labour_market_subsidy", "basic_allowance", "earnings_related_allowance")
COLUMNS = ("person_id", "month", "benefit_type", "basis", "rule_set", "municipality", "paid_days", "counted_days",
           "counter_before", "counter_after", "paid_eur", "billable_eur", "municipal_eur", "state_eur", "step")


def random_people(n: int, seed: int) -> list[PersonFacts]:
    rng = random.Random(seed)
    people = []
    for _ in range(n):
        pid = str(uuid.UUID(int=rng.getrandbits(128)))
        start = date(rng.randint(2015, 2024), rng.randint(1, 12), 1)
        benefits: list[BenefitFact] = []
        month = start
        for _ in range(rng.randint(1, 80)):
            if month > date(2026, 6, 1):
                break
            room = max_benefit_days_in_month(month)
            for benefit in rng.sample(BENEFITS, rng.randint(0, 2)):
                basis = rng.choice(("unemployment", "unemployment", "service"))
                days = rng.randint(0, room)
                room -= days
                cents = rng.randint(2000, 15000) * days
                benefits.append(BenefitFact(month, benefit, basis, days, Decimal(cents) / 100))
            month = add_months(month, rng.choice((1, 1, 1, 2, 7)))
        move = date(rng.randint(2016, 2026), rng.randint(1, 12), rng.randint(1, 28))
        homes = [HomeFact(date(1990, 1, 1), move, rng.choice(("765", "205"))),
                 HomeFact(move + timedelta(days=1), None, rng.choice(("765", "297")))]
        conditions = [date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(rng.randint(0, 2))]
        people.append(PersonFacts(pid, benefits, homes, sorted(set(conditions))))
    return people


def reference_rows(people: list[PersonFacts], book: RuleBook = BOOK) -> list[tuple]:
    rows = [r for p in people for r in person_share_rows(p, book)]
    return sorted((str(r.person_id), r.month, r.benefit_type, r.basis, r.rule_set, r.municipality, r.paid_days,
                   r.counted_days, r.counter_before, r.counter_after, r.paid_eur, r.billable_eur, r.municipal_eur,
                   r.state_eur, r.step) for r in rows)


def normalise(rows: list[tuple]) -> list[tuple]:
    out = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        out.append((str(values["person_id"]), values["month"], values["benefit_type"], values["basis"],
                    values["rule_set"], values["municipality"], int(values["paid_days"]), int(values["counted_days"]),
                    int(values["counter_before"]), int(values["counter_after"]),
                    *(Decimal(values[k]).quantize(Decimal("0.01")) for k in ("paid_eur", "billable_eur",
                                                                             "municipal_eur", "state_eur")),
                    int(values["step"])))
    return sorted(out)


def select_columns(sql: str) -> str:
    return f"SELECT {', '.join(COLUMNS)} FROM ({sql}) q"


def _duckdb_with(people: list[PersonFacts]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()  # person keys as UUIDs, as the national views read them (duckdb_attach_parquet)
    con.execute("CREATE TABLE benefits (person_id UUID, month DATE, benefit_type VARCHAR, basis VARCHAR, "
                "days INTEGER, amount DECIMAL(10,2))")
    con.execute("CREATE TABLE homes (person_id UUID, start_date DATE, end_date DATE, municipality_id VARCHAR)")
    con.execute("CREATE TABLE conditions (person_id UUID, met_on DATE)")
    con.executemany("INSERT INTO benefits VALUES (?, ?, ?, ?, ?, ?)",
                    [(p.person_id, f.month, f.benefit_type, f.basis, f.days, f.amount) for p in people for f in p.benefits])
    con.executemany("INSERT INTO homes VALUES (?, ?, ?, ?)",
                    [(p.person_id, h.start, h.end, h.municipality) for p in people for h in p.homes])
    con.executemany("INSERT INTO conditions VALUES (?, ?)", [(p.person_id, d) for p in people for d in
                                                             p.employment_conditions])
    return con


@BOOKS
def test_duckdb_matches_reference(book: RuleBook) -> None:
    people = random_people(150, seed=7)
    con = _duckdb_with(people)
    got = normalise(con.execute(select_columns(share_rows_sql(book, "duckdb"))).fetchall())
    expected = reference_rows(people, book)
    assert len(got) == len(expected) > 1000
    assert got == expected


def _postgres_with(people: list[PersonFacts]) -> None:
    """These persons' facts in our own tables, and the engine's input views over them (this connection's)."""
    from polku.people.models import Person
    from polku.timeline.models import BenefitMonth, EmploymentConditionMet, HomeMunicipalitySpell

    Person.objects.bulk_create([
        Person(id=p.person_id, personal_id_hash=f"h{p.person_id}", personal_id_encrypted="x", first_names="A",
               last_name="B", birth_date=date(1980, 1, 1), gender="F") for p in people
    ])
    BenefitMonth.objects.bulk_create([
        BenefitMonth(person_id=p.person_id, month=f.month, benefit_type=f.benefit_type, basis=f.basis, days=f.days,
                     amount=f.amount) for p in people for f in p.benefits
    ])
    HomeMunicipalitySpell.objects.bulk_create([
        HomeMunicipalitySpell(person_id=p.person_id, start_date=h.start, end_date=h.end, municipality_id=h.municipality)
        for p in people for h in p.homes
    ])
    EmploymentConditionMet.objects.bulk_create([
        EmploymentConditionMet(person_id=p.person_id, met_on=d) for p in people for d in p.employment_conditions
    ])
    with connection.cursor() as cursor:
        for statement in POSTGRES_VIEWS:
            cursor.execute(statement)


@BOOKS
@pytest.mark.django_db
def test_postgresql_matches_reference(book: RuleBook) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of make test (the SQLite demo uses the reference engine)")
    people = random_people(80, seed=11)
    _postgres_with(people)
    with connection.cursor() as cursor:
        cursor.execute(select_columns(share_rows_sql(book, "postgresql")))
        got = normalise(cursor.fetchall())
    assert got == reference_rows(people, book)


def test_in_memory_duckdb_rows_equal_reference_rows() -> None:
    from polku.municipal_share.sql_engine import duckdb_share_rows

    people = random_people(120, seed=23)
    through = date(2025, 6, 1)
    expected = sorted(((str(r.person_id), r.month, r.benefit_type, r.basis, r.rule_set), r)
                      for p in people for r in person_share_rows(p, BOOK, through=through))
    got = sorted(((str(r.person_id), r.month, r.benefit_type, r.basis, r.rule_set), r)
                 for r in duckdb_share_rows(people, BOOK, through=through))
    assert [row for _, row in got] == [row for _, row in expected]


def test_in_memory_duckdb_filters_months_and_municipality() -> None:
    from polku.municipal_share.sql_engine import duckdb_share_rows

    people = random_people(60, seed=29)
    since = date(2024, 1, 1)
    expected = [r for p in people for r in person_share_rows(p, BOOK) if r.month >= since and r.municipality == "297"]
    got = duckdb_share_rows(people, BOOK, since=since, municipality="297")
    def key(row: ShareRow) -> tuple:
        return (str(row.person_id), row.month, row.benefit_type, row.basis, row.rule_set)

    assert sorted(got, key=key) == sorted(expected, key=key)
    assert got


@BOOKS
@pytest.mark.django_db
def test_national_totals_match_reference(book: RuleBook) -> None:
    """The benchmark's totals (municipality, month, rule set, benefit type): sums of the reference rows, and billed
    persons counted once a group even when both of a month's bases were billed."""
    from polku.derived.parts import add_up
    from polku.municipal_share.sql_engine import TOTAL_KEYS, share_totals_in_parts, share_totals_sql

    # Subsidy on both bases every month from September 2024 (9 + 8 days): under either reading of the 2025 rule the
    # counter passes day 101 within a month's service days, so the unemployment row is not yet billed while the
    # service row is; later both are. The partner's own counter decides whether the person was counted already.
    both = PersonFacts(str(uuid.UUID(int=31 << 64)), [BenefitFact(month, "labour_market_subsidy", basis, days,
                                                                  Decimal(days * 35))
                                                      for n in range(22) for month in [add_months(date(2024, 9, 1), n)]
                                                      for basis, days in (("unemployment", 9), ("service", 8))],
                       [HomeFact(date(1990, 1, 1), None, "765")], [])
    people = [*random_people(150, seed=31), both]
    expected: dict[tuple, list] = {}
    billed: dict[tuple, set[str]] = {}
    for person in people:
        for r in person_share_rows(person, book):
            key = (r.municipality, r.month, r.rule_set, r.benefit_type)
            sums = expected.setdefault(key, [0, 0, Decimal(0), Decimal(0), Decimal(0)])
            for n, value in enumerate((r.paid_days, r.counted_days, r.paid_eur, r.municipal_eur, r.state_eur)):
                sums[n] += value
            if r.municipal_eur > 0:
                billed.setdefault(key, set()).add(str(r.person_id))
    cent = Decimal("0.01")
    if connection.vendor == "postgresql":  # the PostgreSQL pass of make test: the national benchmark's other engine
        _postgres_with(people)

        def run(sql: str) -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        rows = run(share_totals_sql(book, "postgresql"))
        # In parts, as the benchmark runs it (one after another here: the test's rows are this connection's only).
        in_parts = add_up([run(share_totals_sql(book, "postgresql", (k, 3))) for k in range(3)], TOTAL_KEYS)
    else:
        duck = _duckdb_with(people)
        rows = duck.execute(share_totals_sql(book, "duckdb")).fetchall()
        in_parts = share_totals_in_parts(lambda sql: duck.cursor().execute(sql).fetchall(), book, "duckdb", 3)

    def totals(rows: list[tuple]) -> dict[tuple, list]:
        return {(m, month, rule, benefit): [persons, int(paid), int(counted),
                                            *(Decimal(v).quantize(cent) for v in euros)]
                for m, month, rule, benefit, persons, paid, counted, *euros in rows}

    got = totals(rows)
    want = {key: [len(billed.get(key, ())), sums[0], sums[1], *(Decimal(v).quantize(cent) for v in sums[2:])]
            for key, sums in expected.items()}
    assert got == want
    assert len(in_parts) == len(rows)
    assert totals(in_parts) == want
    assert any(persons > 0 for persons, *_ in got.values())
    billed_months = {(r.month, r.basis) for r in person_share_rows(both, book) if r.municipal_eur > 0}
    assert any((month, "unemployment") not in billed_months for month, basis in billed_months if basis == "service")
    assert any((month, "unemployment") in billed_months for month, basis in billed_months if basis == "service")
