"""The municipal-share engine as one SQL query, for national history on DuckDB (Parquet) or PostgreSQL.

Written once in the derived layer's conventions and rendered for each engine by ``polku.derived.sql``.

Same semantics as ``engine.py`` (which stays the reference: tests prove both give identical rows):
per rule set, a reset-segmented running day counter over the person's benefit rows in a fixed order
(month, benefit type, basis); the rule in force for each month; payment-period or day-level steps; the
basic-part equivalent where the rule says so; the home municipality on the month's last day; municipal
euros rounded half-up to cents and capped at the amount paid. The SQL is generated from the rule book,
so a new rule version is new data, not new SQL.

Input tables (current facts only): ``benefits(person_id, month, benefit_type, basis, days, amount)``,
``homes(person_id, start_date, end_date, municipality_id)``, ``conditions(person_id, met_on)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from polku.derived.facts import current_sql
from polku.derived.sql import render
from polku.municipal_share.engine import ALLOWANCES, BASIS_ORDER, BENEFIT_ORDER, PersonFacts, ShareRow
from polku.municipal_share.rules import RuleBook, RuleSet


def _div(a: str, b: str) -> str:
    """Floor division of non-negative integers (rendered per engine by ``polku.derived.sql``)."""
    return f"(({a}) // ({b}))"


def _share_for_day(rule: RuleSet, ordinal: str) -> str:
    """SQL for ``RuleSet.share_for_day`` in hundredths (an integer): the highest step the ordinal has reached."""
    cases = " ".join(f"WHEN {ordinal} >= {s.from_day} THEN {int(s.share * 100)}"
                     for s in sorted(rule.steps, key=lambda s: -s.from_day))
    return f"(CASE {cases} ELSE 0 END)" if rule.steps else "0"


def _step_index(rule: RuleSet, value: str) -> str:
    return "(" + " + ".join(f"(CASE WHEN {value} >= {s.from_day} THEN 1 ELSE 0 END)" for s in rule.steps) + ")" \
        if rule.steps else "0"


def _day_level_share_days(rule: RuleSet, before: str, counted: str) -> str:
    """Σ over steps of share × (counted days whose ordinal falls in the step's range)."""
    steps = sorted(rule.steps, key=lambda s: s.from_day)
    terms = []
    for i, step in enumerate(steps):
        upper = f"{steps[i + 1].from_day - 1}" if i + 1 < len(steps) else f"{before} + {counted}"
        overlap = f"GREATEST(0, LEAST({before} + {counted}, {upper}) - GREATEST({before} + 1, {step.from_day}) + 1)"
        terms.append(f"{int(step.share * 100)} * {overlap}")
    return " + ".join(terms) if terms else "0"


def _basic_daily_cents(book: RuleBook, month: str) -> str:
    """SQL for ``RuleBook.basic_daily_amount`` in cents (nearest listed year outside the table)."""
    years = sorted(book.basic_daily)
    cases = " ".join(f"WHEN EXTRACT(YEAR FROM {month}) = {year} THEN {int(book.basic_daily[year] * 100)}"
                     for year in years)
    first, last = int(book.basic_daily[years[0]] * 100), int(book.basic_daily[years[-1]] * 100)
    return f"(CASE {cases} WHEN EXTRACT(YEAR FROM {month}) < {years[0]} THEN {first} ELSE {last} END)"


def _category(benefit_type: str, basis: str) -> int:
    """The row's place in the reference engine's order within a month, which also stands for its two strings
    inside the query: a small integer keeps the rows the engine sorts narrow."""
    return BENEFIT_ORDER.index(benefit_type) * len(BASIS_ORDER) + BASIS_ORDER.index(basis)


def _categories(benefit_types: Iterable[str], bases: Iterable[str] = BASIS_ORDER, column: str = "cat") -> str:
    """SQL: the row's category is one of these benefit types paid on one of these bases."""
    codes = sorted(_category(b, s) for b in benefit_types for s in bases)
    return f"({column} IN ({', '.join(str(c) for c in codes)}))" if codes else "(FALSE)"


def _counts(rule: RuleSet) -> str:
    since = f" AND month >= '{rule.counts_days_from.isoformat()}'" if rule.counts_days_from else ""
    return f"({_categories(rule.benefit_types, rule.counted_bases)}{since})"


def _resets(rule: RuleSet, i: int) -> str:
    """CTE ``r{i}_resets(person_id, month)``: the months in which the rule's counter restarts from zero."""
    if rule.reset == "employment_condition":
        return f"""r{i}_resets AS (
  SELECT DISTINCT c.person_id, MIN(b.month) AS month
  FROM conditions c JOIN rows_in b ON b.person_id = c.person_id AND b.month > c.met_on AND b.days > 0
  GROUP BY c.person_id, c.met_on)"""
    # employment_condition_then_allowance
    return f"""r{i}_allowance AS (
  SELECT c.person_id, c.met_on, MIN(b.month) AS month
  FROM conditions c JOIN rows_in b ON b.person_id = c.person_id AND b.month > c.met_on AND b.days > 0
   AND {_categories(ALLOWANCES, column="b.cat")}
  GROUP BY c.person_id, c.met_on),
r{i}_resets AS (
  SELECT DISTINCT a.person_id, MIN(b.month) AS month
  FROM r{i}_allowance a JOIN rows_in b ON b.person_id = a.person_id AND b.month > a.month AND b.days > 0
   AND {_categories(rule.benefit_types, column="b.cat")}
  GROUP BY a.person_id, a.met_on)"""


def _rule_result(book: RuleBook, rule: RuleSet, i: int) -> str:
    """CTE ``r{i}``: one rule set's share of each benefit row in the months the rule is in force."""
    bills = _categories(rule.benefit_types, rule.billed_bases)
    valid_to = f"'{rule.valid_to.isoformat()}'" if rule.valid_to else "NULL"
    # A day's price as an exact fraction of cents (see engine._price); one integer division at the end.
    basic = _categories(rule.basic_part_only)
    price = f"(CASE WHEN {basic} THEN {_basic_daily_cents(book, 'month')} ELSE CAST(ROUND(amount * 100) AS BIGINT) END)"
    per = f"(CASE WHEN {basic} THEN 1 ELSE GREATEST(days, 1) END)"
    billed = f"(CASE WHEN {bills} THEN days ELSE 0 END)"
    counted, before, month_before = f"c{i}", f"before{i}", f"month_before{i}"
    if rule.step_boundary == "payment_period":
        share_days = f"{_share_for_day(rule, f'{month_before} + 1')} * {billed}"
        step = _step_index(rule, f"{month_before} + 1")
    else:
        uncounted = f"{_share_for_day(rule, f'{before} + {counted}')} * ({billed} - {counted})"
        share_days = f"({_day_level_share_days(rule, before, counted)} + {uncounted})"
        step = _step_index(rule, f"{before} + {counted}")
    municipal_cents = _div(f"2 * CAST({share_days} AS BIGINT) * {price} + 100 * {per}", f"200 * {per}")
    billable_cents = _div(f"2 * {price} * {billed} + {per}", f"2 * {per}")
    return f"""r{i} AS (
  SELECT person_id, month, cat, '{rule.code}' AS rule_set, days AS paid_days, {counted} AS counted_days,
         {before} AS counter_before, {before} + {counted} AS counter_after, amount AS paid_eur,
         CAST({billable_cents} AS DECIMAL(18, 0)) * 0.01 AS billable_eur,
         LEAST(CAST({municipal_cents} AS DECIMAL(18, 0)) * 0.01, amount) AS municipal_eur,
         {step} AS step
  FROM counted_rows
  WHERE month >= '{rule.valid_from.isoformat()}' AND ({valid_to} IS NULL OR month <= {valid_to}))"""


def share_rows_sql(book: RuleBook, dialect: str) -> str:
    """:func:`share_rows_query` in the SQL of ``dialect`` (``duckdb`` or ``postgresql``)."""
    return render(share_rows_query(book), dialect)


def share_rows_query(book: RuleBook) -> str:
    """Row-level results (one row per benefit row under the rule in force), as in ``engine.ShareRow``.

    All rule sets' day counters come from one sort of the benefit rows (by person, then month and benefit
    in the reference engine's order), because sorting is what national history spends its time on. For
    rule set i, per row: ``earlier`` = days counted in the person's earlier rows, ``earlier_months`` = days
    counted in earlier months, and ``restart`` = the counter's running value at its latest restart (the
    restart's ``base``, joined on the few restart months; the running value never decreases, so the
    latest restart is the largest base so far). The counter before the row is ``earlier − restart``, the
    counter at the start of its month (payment-period steps) ``earlier_months − restart``.
    """
    rules = list(enumerate(book.rule_sets))
    kinds = len(BASIS_ORDER)
    category = (" ".join(f"WHEN '{b}' THEN {n * kinds}" for n, b in enumerate(BENEFIT_ORDER)),
                " ".join(f"WHEN '{b}' THEN {n}" for n, b in enumerate(BASIS_ORDER)))
    names = (" ".join(f"WHEN {n} THEN '{b}'" for n, b in enumerate(BENEFIT_ORDER)),
             " ".join(f"WHEN {n} THEN '{b}'" for n, b in enumerate(BASIS_ORDER)))
    counted = ", ".join(f"CASE WHEN {_counts(rule)} THEN days ELSE 0 END AS c{i}" for i, rule in rules)
    bases = ",\n".join(f"""b{i} AS (
  SELECT x.person_id, x.month, COALESCE(SUM(r.c{i}), 0) AS base
  FROM r{i}_resets x LEFT JOIN rows_in r ON r.person_id = x.person_id AND r.month < x.month
  GROUP BY x.person_id, x.month)""" for i, _ in rules)
    restarts = ", ".join(f"COALESCE(b{i}.base, 0) AS base{i}" for i, _ in rules)
    base_joins = " ".join(f"LEFT JOIN b{i} ON b{i}.person_id = r.person_id AND b{i}.month = r.month" for i, _ in rules)
    counters = ", ".join(
        f"COALESCE(SUM(c{i}) OVER earlier, 0) - MAX(base{i}) OVER so_far AS before{i}, "
        f"COALESCE(SUM(c{i}) OVER earlier_months, 0) - MAX(base{i}) OVER so_far AS month_before{i}" for i, _ in rules)
    resets = ",\n".join(_resets(rule, i) for i, rule in rules)
    results = ",\n".join(_rule_result(book, rule, i) for i, rule in rules)
    unions = " UNION ALL ".join(f"SELECT * FROM r{i}" for i, _ in rules)
    return f"""WITH rows_in AS (
  SELECT *, {counted} FROM (
    SELECT person_id, month, days, amount,
           CAST(EXTRACT(YEAR FROM month) * 12 + EXTRACT(MONTH FROM month) AS INTEGER) AS month_number,
           (CASE benefit_type {category[0]} END) + (CASE basis {category[1]} END) AS cat
    FROM benefits) b),
{resets},
{bases},
flagged AS (SELECT r.*, {restarts} FROM rows_in r {base_joins}),
counted_rows AS (
  SELECT *, {counters} FROM flagged
  WINDOW earlier AS (PARTITION BY person_id ORDER BY month_number, cat ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
         so_far AS (PARTITION BY person_id ORDER BY month_number, cat ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
         earlier_months AS (PARTITION BY person_id ORDER BY month_number RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
{results},
shares AS ({unions})
SELECT s.person_id, s.month, CASE {_div('s.cat', str(kinds))} {names[0]} END AS benefit_type,
       CASE s.cat % {kinds} {names[1]} END AS basis, s.rule_set, s.paid_days, s.counted_days, s.counter_before,
       s.counter_after, s.paid_eur, s.billable_eur, s.municipal_eur, s.step,
       s.paid_eur - s.municipal_eur AS state_eur, h.municipality_id AS municipality
FROM shares s LEFT JOIN homes h ON h.person_id = s.person_id AND h.start_date <= LAST_DAY(s.month)
 AND (h.end_date IS NULL OR h.end_date >= LAST_DAY(s.month))"""


def share_totals_sql(book: RuleBook, dialect: str) -> str:
    """Totals by municipality, month, rule set and benefit type: what the national benchmark runs."""
    return render(f"""SELECT municipality, month, rule_set, benefit_type, COUNT(DISTINCT CASE WHEN municipal_eur > 0
       THEN person_id END) AS billed_persons, SUM(paid_days) AS paid_days, SUM(counted_days) AS counted_days,
       SUM(paid_eur) AS paid_eur, SUM(municipal_eur) AS municipal_eur, SUM(state_eur) AS state_eur
FROM ({share_rows_query(book)}) r
GROUP BY municipality, month, rule_set, benefit_type""", dialect)


# --- runners ---------------------------------------------------------------------------------------

PARQUET_TABLES = {
    "benefits": ("timeline_benefitmonth", "person_id, month, benefit_type, basis, days, amount"),
    "homes": ("timeline_homemunicipalityspell", "person_id, start_date, end_date, municipality_id"),
    "conditions": ("timeline_employmentconditionmet", "person_id, met_on"),
}
EMPTY_CONDITIONS = "SELECT CAST(NULL AS UUID) AS person_id, CAST(NULL AS DATE) AS met_on WHERE FALSE"


def duckdb_attach_parquet(connection: Any, directory: Path) -> None:
    """Views ``benefits``, ``homes``, ``conditions`` over a simulator/export Parquet directory.

    Parquet holds the person key as text; the views read it as a UUID, because the engine sorts and joins on
    it tens of millions of times and a 16-byte key is several times cheaper than a 36-character string.
    """
    for view, (table, columns) in PARQUET_TABLES.items():
        path = directory / f"{table}.parquet"
        if path.exists():
            connection.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * REPLACE (CAST(person_id AS UUID) AS person_id) "
                               f"FROM (SELECT {columns} FROM read_parquet('{path}'))")
        elif view == "conditions":
            connection.execute(f"CREATE OR REPLACE VIEW conditions AS {EMPTY_CONDITIONS}")
        else:
            raise FileNotFoundError(path)


POSTGRES_VIEWS = [f"CREATE TEMP VIEW {view} AS {current_sql(table, columns)}"
                  for view, (table, columns) in PARQUET_TABLES.items()]


def _duckdb_with_facts(facts: Iterable[PersonFacts], through: date | None) -> tuple[Any, dict[str, Any]]:
    """An in-memory DuckDB with views ``benefits``, ``homes``, ``conditions`` over these persons' facts, and the
    person ids by their text key."""
    import duckdb
    import pyarrow as pa

    ids: dict[str, Any] = {}
    benefits: dict[str, list[Any]] = {k: [] for k in ("person_id", "month", "benefit_type", "basis", "days", "amount")}
    homes: dict[str, list[Any]] = {k: [] for k in ("person_id", "start_date", "end_date", "municipality_id")}
    conditions: dict[str, list[Any]] = {"person_id": [], "met_on": []}
    for person in facts:
        key = str(person.person_id)
        ids[key] = person.person_id
        for f in person.benefits:
            if through is None or f.month <= through:
                for name, value in zip(benefits, (key, f.month, f.benefit_type, f.basis, f.days, f.amount), strict=True):
                    benefits[name].append(value)
        for h in person.homes:
            for name, value in zip(homes, (key, h.start, h.end, h.municipality), strict=True):
                homes[name].append(value)
        for met_on in person.employment_conditions:
            conditions["person_id"].append(key)
            conditions["met_on"].append(met_on)
    connection = duckdb.connect()
    schemas = {
        "benefits": pa.schema([("person_id", pa.string()), ("month", pa.date32()), ("benefit_type", pa.string()),
                               ("basis", pa.string()), ("days", pa.int32()), ("amount", pa.decimal128(10, 2))]),
        "homes": pa.schema([("person_id", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
                            ("municipality_id", pa.string())]),
        "conditions": pa.schema([("person_id", pa.string()), ("met_on", pa.date32())]),
    }
    for name, columns in (("benefits", benefits), ("homes", homes), ("conditions", conditions)):
        connection.register(f"{name}_arrow", pa.table(columns, schema=schemas[name]))
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_arrow")
    return connection, ids


def duckdb_share_rows(facts: Iterable[PersonFacts], book: RuleBook, *, through: date | None = None,
                      since: date | None = None, municipality: str | None = None) -> list[ShareRow]:
    """The engine's rows for these persons, computed by the SQL engine in an in-memory DuckDB.

    Same results as ``engine.person_share_rows`` (proven by the tests), an order of magnitude faster for
    thousands of persons, which is what a municipality's page needs on the SQLite demo database.
    """
    return duckdb_share_rows_by_book(facts, {"": book}, through=through, since=since, municipality=municipality)[""]


def duckdb_share_rows_by_book(facts: Iterable[PersonFacts], books: Mapping[str, RuleBook], *,
                              through: date | None = None, since: date | None = None,
                              municipality: str | None = None) -> dict[str, list[ShareRow]]:
    """``duckdb_share_rows`` under several rule books (e.g. each rule forced for a comparison), the facts loaded
    into DuckDB once: loading a city's facts costs as much as one computation."""
    connection, ids = _duckdb_with_facts(facts, through)
    names = ("person_id", "month", "benefit_type", "basis", "rule_set", "municipality", "paid_days", "counted_days",
             "counter_before", "counter_after", "paid_eur", "billable_eur", "municipal_eur", "state_eur", "step")
    cent = Decimal("0.01")
    out: dict[str, list[ShareRow]] = {}
    for key, book in books.items():
        # Counters need the whole history; only the rows asked for travel back to Python.
        result = connection.execute(
            f"SELECT {', '.join(names)} FROM ({share_rows_sql(book, 'duckdb')}) q "
            "WHERE (CAST(? AS DATE) IS NULL OR month >= ?) AND (CAST(? AS VARCHAR) IS NULL OR municipality = ?) "
            "ORDER BY person_id, month, rule_set", [since, since, municipality, municipality],
        ).fetchall()
        out[key] = [
            ShareRow(person_id=ids[r[0]], month=r[1], benefit_type=r[2], basis=r[3], rule_set=r[4], municipality=r[5],
                     paid_days=int(r[6]), counted_days=int(r[7]), counter_before=int(r[8]), counter_after=int(r[9]),
                     paid_eur=Decimal(r[10]).quantize(cent), billable_eur=Decimal(r[11]).quantize(cent),
                     municipal_eur=Decimal(r[12]).quantize(cent), state_eur=Decimal(r[13]).quantize(cent),
                     step=int(r[14]))
            for r in result
        ]
    return out


def duckdb_person_month_shares(facts: Iterable[PersonFacts], books: Mapping[str, RuleBook], *,
                               through: date | None = None, since: date | None = None,
                               ) -> list[tuple[str, Any, date, str | None, str, float]]:
    """Municipal euros by variant, person, month, paying municipality and benefit type (what the forecast calibrates
    on), one query per rule book over the same loaded facts: the engine's rows summed in DuckDB rather than a million
    Decimal rows carried back to Python."""
    connection, ids = _duckdb_with_facts(facts, through)
    return [(v, ids[p], m, muni, b, e) for v, p, m, muni, b, e in person_month_shares(connection, books, since=since)]


def person_month_shares(connection: Any, books: Mapping[str, RuleBook], *, since: date | None = None,
                        ) -> list[tuple[str, Any, date, str | None, str, float]]:
    """``duckdb_person_month_shares`` over a connection that already has the ``benefits``, ``homes`` and
    ``conditions`` views (e.g. ``duckdb_attach_parquet``); person ids as the views give them."""
    out: list[tuple[str, Any, date, str | None, str, float]] = []
    for variant, book in books.items():
        result = connection.execute(
            f"SELECT person_id, month, municipality, benefit_type, SUM(municipal_eur) "
            f"FROM ({share_rows_sql(book, 'duckdb')}) q WHERE (CAST(? AS DATE) IS NULL OR month >= ?) "
            "GROUP BY person_id, month, municipality, benefit_type", [since, since]).fetchall()
        out += [(variant, r[0], r[1], r[2], r[3], float(r[4])) for r in result]
    return out
