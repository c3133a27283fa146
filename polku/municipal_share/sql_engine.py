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

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from polku.derived.facts import current_sql
from polku.derived.parts import Part, add_up, each_part, in_part_sql
from polku.derived.sql import in_list, render
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


def _counts(rule: RuleSet, cat: str = "cat") -> str:
    since = f" AND month >= '{rule.counts_days_from.isoformat()}'" if rule.counts_days_from else ""
    return f"({_categories(rule.benefit_types, rule.counted_bases, column=cat)}{since})"


# The category of a restart's marker row: first in its month, so the counters see the restart before the month's
# benefit rows, without joining the restarts to the benefit rows (a join PostgreSQL would sort for again).
RESTART = -1
# A row's place in its person's history as one integer: the month's first day as a day number times SPAN plus the
# category (the marker first). SPAN exceeds the categories of a month, so "the rows of earlier months" is the
# constant range ``RANGE BETWEEN UNBOUNDED PRECEDING AND SPAN PRECEDING`` over the same order as every other window:
# one sort serves all of them. (Months are at least 28 days apart, far more than one SPAN.)
SPAN = len(BENEFIT_ORDER) * len(BASIS_ORDER) + 1
ORDER = "PARTITION BY person_id ORDER BY place"  # a person's rows in the reference engine's order


def _place(month: str, cat: str) -> str:
    return f"(DATE_DIFF('day', DATE '1970-01-01', {month}) * {SPAN} + {cat} - ({RESTART}))"


def _paid(part: Part | None) -> str:
    """The benefit rows with paid days, as a derived table (not a CTE, so that PostgreSQL reads the table again
    rather than materialising 20 million rows it would then scan several times)."""
    return f"(SELECT person_id, month, benefit_type FROM benefits WHERE days > 0 AND {in_part_sql('person_id', part)})"


def _types(benefit_types: Iterable[str], column: str) -> str:
    """SQL: ``column`` is one of these benefit types (named, not by category: PostgreSQL estimates rows better)."""
    return f"({column} IN {in_list(sorted(benefit_types))})"


def _resets(book: RuleBook, part: Part | None = None) -> str:
    """CTE ``resets(person_id, met_on, reset0, reset1, …)``: for each employment condition met, the month in which each
    rule set's counter restarts from zero (``NULL``: it does not).

    ``employment_condition``: the first month with paid days after the condition was met.
    ``employment_condition_then_allowance``: the first month with paid days of the rule's benefits after the first
    month with paid days of an allowance after the condition was met. Both come from one reading of the conditions
    against the benefit rows (``firsts``), and the second from one more against the rows after the allowance.
    """
    after_allowance = [rule for rule in book.rule_sets if rule.reset == "employment_condition_then_allowance"]
    columns = ", ".join(
        f"f.first_month AS reset{i}" if rule.reset == "employment_condition"
        else f"MIN(CASE WHEN {_types(rule.benefit_types, 'b.benefit_type')} THEN b.month END) AS reset{i}"
        for i, rule in enumerate(book.rule_sets))
    firsts = f"""(
    SELECT c.person_id, c.met_on, MIN(b.month) AS first_month,
           MIN(CASE WHEN {_types(ALLOWANCES, "b.benefit_type")} THEN b.month END) AS allowance_month
    FROM conditions c JOIN {_paid(part)} b ON b.person_id = c.person_id AND b.month > c.met_on
    WHERE {in_part_sql('c.person_id', part)}
    GROUP BY c.person_id, c.met_on) f"""
    if not after_allowance:
        return f"resets AS (SELECT f.person_id, f.met_on, {columns} FROM {firsts})"
    later = _types({t for rule in after_allowance for t in rule.benefit_types}, "b.benefit_type")
    return f"""resets AS (
  SELECT f.person_id, f.met_on, {columns}
  FROM {firsts}
  LEFT JOIN {_paid(part)} b ON b.person_id = f.person_id AND b.month > f.allowance_month AND {later}
  GROUP BY f.person_id, f.met_on, f.first_month)"""


def _rule_columns(book: RuleBook, rule: RuleSet, i: int, row: Mapping[str, str] | None = None) -> dict[str, str]:
    """One rule set's share of a benefit row, column by column (over ``counted_rows``). ``row`` names other SQL for
    the row's ``cat``, ``days``, ``cents`` (paid), ``counted``, ``before`` (the partner's, read with ``LAG``)."""
    row = row or {}
    cat, days, cents = row.get("cat", "cat"), row.get("days", "days"), row.get("cents", "cents")
    bills = _categories(rule.benefit_types, rule.billed_bases, column=cat)
    # A day's price as an exact fraction of cents (see engine._price); one integer division at the end.
    basic = _categories(rule.basic_part_only, column=cat)
    price = f"(CASE WHEN {basic} THEN {_basic_daily_cents(book, 'month')} ELSE {cents} END)"
    per = f"(CASE WHEN {basic} THEN 1 ELSE GREATEST({days}, 1) END)"
    billed = f"(CASE WHEN {bills} THEN {days} ELSE 0 END)"
    counted, before, month_before = row.get("counted", f"c{i}"), row.get("before", f"before{i}"), f"month_before{i}"
    if rule.step_boundary == "payment_period":
        share_days = f"{_share_for_day(rule, f'{month_before} + 1')} * {billed}"
        step = _step_index(rule, f"{month_before} + 1")
    else:
        uncounted = f"{_share_for_day(rule, f'{before} + {counted}')} * ({billed} - {counted})"
        share_days = f"({_day_level_share_days(rule, before, counted)} + {uncounted})"
        step = _step_index(rule, f"{before} + {counted}")
    municipal_cents = _div(f"2 * CAST({share_days} AS BIGINT) * {price} + 100 * {per}", f"200 * {per}")
    billable_cents = _div(f"2 * {price} * {billed} + {per}", f"2 * {per}")
    return {"rule_set": f"'{rule.code}'", "counted_days": counted, "counter_before": before,
            "counter_after": f"{before} + {counted}", "billable_cents": billable_cents,
            "municipal_cents": f"LEAST({municipal_cents}, {cents})", "step": step}


def _in_force(rule: RuleSet) -> str:
    valid_to = f" AND month <= '{rule.valid_to.isoformat()}'" if rule.valid_to else ""
    return f"(month >= '{rule.valid_from.isoformat()}'{valid_to})"


def share_rows_sql(book: RuleBook, dialect: str) -> str:
    """:func:`share_rows_query` in the SQL of ``dialect`` (``duckdb`` or ``postgresql``)."""
    return render(share_rows_query(book), dialect)


def _share_ctes(book: RuleBook, *, partner: bool = False, part: Part | None = None) -> str:
    """The CTEs up to ``shares``: one row per benefit row under the rule set in force in its month (the first
    listed, as ``RuleBook.for_month``), with its counters and cents.

    All rule sets' day counters come from one sort of the benefit rows (by person, then month and benefit in the
    reference engine's order), because sorting is what national history spends its time on; every relation over
    the benefit rows is read once, so no engine materialises tens of millions of rows to read them again. For rule
    set i, per row: ``earlier`` = days counted in the person's earlier rows (the running sum less the row's own),
    ``earlier_months`` = days counted in earlier months, and the restart's base = ``earlier_months`` on the
    restart's marker row (no days, first in its month: the counter's running value at the restart); the running
    value never decreases, so the latest restart is the largest base so far. The counter before the row is
    ``earlier − base``, at the start of its month (payment-period steps) ``earlier_months − base``. Two window
    passes in all; markers are dropped before ``shares``. ``shares`` is computed once (``OFFSET 0`` keeps
    PostgreSQL from copying its expressions into every later use).

    With ``partner``, ``shares`` also says whether the row's partner (the same benefit in the same month on the
    other basis, the row just before it) was billed: computed from the partner's values read with ``LAG``, so that
    billed persons can be counted without a distinct count or a second sort.
    """
    rules = list(enumerate(book.rule_sets))
    kinds = len(BASIS_ORDER)
    cat = ("(CASE benefit_type " + " ".join(f"WHEN '{b}' THEN {n * kinds}" for n, b in enumerate(BENEFIT_ORDER))
           + " END) + (CASE basis " + " ".join(f"WHEN '{b}' THEN {n}" for n, b in enumerate(BASIS_ORDER)) + " END)")
    # Counted days after the sort (fewer bytes to sort); a marker's category counts nothing.
    counted = {i: f"CASE WHEN {_counts(rule)} THEN days ELSE 0 END" for i, rule in rules}
    marks = " UNION ALL ".join(
        f"SELECT person_id, reset{i}, {', '.join('1' if j == i else '0' for j, _ in rules)} FROM resets "
        f"WHERE reset{i} IS NOT NULL" for i, _ in rules)
    restart_names = ", ".join(f"restart{i}" for i, _ in rules)
    restart_max = ", ".join(f"MAX(restart{i}) AS restart{i}" for i, _ in rules)
    no_restart = ", ".join(f"0 AS restart{i}" for i, _ in rules)
    sums = ", ".join(f"{counted[i]} AS c{i}, COALESCE(SUM({counted[i]}) OVER earlier_months, 0) AS earlier_months{i}"
                     for i, _ in rules)
    base = "MAX(restart{i} * earlier_months{i}) OVER so_far"
    earlier = "SUM(c{i}) OVER so_far - c{i}"  # days counted in the person's earlier rows
    counters = ", ".join(
        f"{earlier.format(i=i)} - {base.format(i=i)} AS before{i}, "
        f"earlier_months{i} - {base.format(i=i)} AS month_before{i}" for i, _ in rules)
    rule_no = "CASE " + " ".join(f"WHEN {_in_force(rule)} THEN {i}" for i, rule in rules) + " END"
    by_rule = [_rule_columns(book, rule, i) for i, rule in rules]
    columns = ", ".join("CASE rule_no " + " ".join(f"WHEN {i} THEN {by_rule[i][name]}" for i, _ in rules)
                        + f" END AS {name}" for name in by_rule[0]) if rules else ""
    previous, partner_billed = "", ""
    if partner:
        assert kinds == 2, "the partner is the row before: two bases"
        # Read with LAG: the partner's month and category as one key, its days and cents; what it counted follows
        # from those, and its counter before it is the row's own less that.
        previous = (", LAG(place) OVER so_far AS p_place, LAG(days) OVER so_far AS p_days, "
                    "LAG(cents) OVER so_far AS p_cents")
        of_partner = []
        for i, rule in rules:
            p_counted = f"(CASE WHEN {_counts(rule, '(cat - 1)')} THEN p_days ELSE 0 END)"
            of_partner.append(_rule_columns(book, rule, i, {"cat": "(cat - 1)", "days": "p_days", "cents": "p_cents",
                                                             "counted": p_counted,
                                                             "before": f"(before{i} - {p_counted})"}))
        partner_cents = "CASE rule_no " + " ".join(f"WHEN {i} THEN {of_partner[i]['municipal_cents']}"
                                                  for i, _ in rules) + " END"
        partner_billed = (f", CASE WHEN cat % 2 = 1 AND p_place = place - 1 "
                          f"AND {partner_cents} > 0 THEN 1 ELSE 0 END AS partner_billed")
    return f"""{_resets(book, part)},
restarts AS (
  SELECT person_id, month, {restart_max} FROM ({marks}) AS m(person_id, month, {restart_names})
  GROUP BY person_id, month),
rows_in AS (
  SELECT person_id, month, days, cents, {_place('month', 'cat')} AS place, cat, {no_restart} FROM (
    SELECT person_id, month, days, CAST(ROUND(amount * 100) AS BIGINT) AS cents, {cat} AS cat FROM benefits
    WHERE {in_part_sql('person_id', part)}) b
  UNION ALL
  SELECT person_id, month, 0, 0, {_place('month', str(RESTART))}, {RESTART}, {restart_names} FROM restarts),
windowed AS (
  SELECT *, {sums} FROM rows_in
  WINDOW earlier_months AS ({ORDER} RANGE BETWEEN UNBOUNDED PRECEDING AND {SPAN} PRECEDING)),
counted_rows AS (
  SELECT *, {counters}, {rule_no} AS rule_no{previous} FROM windowed
  WINDOW so_far AS ({ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
shares AS (
  SELECT person_id, month, cat, rule_no, days AS paid_days, cents AS paid_cents, {columns}{partner_billed}
  FROM counted_rows WHERE rule_no IS NOT NULL AND cat <> {RESTART} OFFSET 0)"""


def _euros(cents: str) -> str:
    return f"CAST({cents} AS DECIMAL(18, 0)) * 0.01"


def _names() -> tuple[str, str]:
    """SQL CASE branches naming a category's benefit type (of ``cat // kinds``) and basis (of ``cat % kinds``)."""
    return (" ".join(f"WHEN {n} THEN '{b}'" for n, b in enumerate(BENEFIT_ORDER)),
            " ".join(f"WHEN {n} THEN '{b}'" for n, b in enumerate(BASIS_ORDER)))


def _homes(part: Part | None = None) -> str:
    """CTE ``homes_by_month``; ``OFFSET 0``: the months are computed once a home, not once a benefit row the join
    tries."""
    return f"""homes_by_month AS (
  SELECT person_id, municipality_id, end_date, CAST(DATE_TRUNC('month', start_date) AS DATE) AS first_month,
         CAST(DATE_TRUNC('month', CAST(end_date + INTERVAL 1 DAY AS DATE)) AS DATE) AS after_month
  FROM homes WHERE {in_part_sql('person_id', part)} OFFSET 0)"""


def _home(rows: str) -> str:
    """Join condition with ``homes_by_month h``: the home municipality on the last day of the row's month. A home
    covers that day when it began in the month or earlier and ended (if at all) on the month's last day or later,
    that is, the day after its end falls in a later month: month comparisons instead of a last day per row."""
    return (f"h.person_id = {rows}.person_id AND h.first_month <= {rows}.month"
            f" AND (h.end_date IS NULL OR h.after_month > {rows}.month)")


def share_rows_query(book: RuleBook) -> str:
    """Row-level results (one row per benefit row under the rule in force), as in ``engine.ShareRow``."""
    kinds = len(BASIS_ORDER)
    benefit, basis = _names()
    return f"""WITH {_share_ctes(book)},
{_homes()}
SELECT s.person_id, s.month, CASE {_div('s.cat', str(kinds))} {benefit} END AS benefit_type,
       CASE s.cat % {kinds} {basis} END AS basis, s.rule_set, s.paid_days, s.counted_days, s.counter_before,
       s.counter_after, {_euros('s.paid_cents')} AS paid_eur, {_euros('s.billable_cents')} AS billable_eur,
       {_euros('s.municipal_cents')} AS municipal_eur, s.step, {_euros('s.paid_cents - s.municipal_cents')} AS state_eur,
       h.municipality_id AS municipality
FROM shares s LEFT JOIN homes_by_month h ON {_home('s')}"""


TOTAL_KEYS = 4  # the totals' group columns: municipality, month, rule set, benefit type; then the sums


def share_totals_sql(book: RuleBook, dialect: str, part: Part | None = None) -> str:
    """Totals by municipality, month, rule set and benefit type: what the national benchmark runs; with ``part``,
    the totals of that part of the persons (``polku.derived.parts``: the parts' totals add up to the whole).

    Billed persons without a distinct count over every row: a billed row counts its person unless its partner (the
    same benefit and month on the other basis) was billed too."""
    kinds = len(BASIS_ORDER)
    benefit, _ = _names()
    rule_names = " ".join(f"WHEN {i} THEN '{rule.code}'" for i, rule in enumerate(book.rule_sets))
    return render(f"""WITH {_share_ctes(book, partner=True, part=part)},
{_homes(part)}
SELECT h.municipality_id AS municipality, s.month, CASE s.rule_no {rule_names} END AS rule_set,
       CASE {_div('s.cat', str(kinds))} {benefit} END AS benefit_type,
       SUM(CASE WHEN s.municipal_cents > 0 AND s.partner_billed = 0 THEN 1 ELSE 0 END) AS billed_persons,
       SUM(s.paid_days) AS paid_days, SUM(s.counted_days) AS counted_days, {_euros('SUM(s.paid_cents)')} AS paid_eur,
       {_euros('SUM(s.municipal_cents)')} AS municipal_eur,
       {_euros('SUM(s.paid_cents) - SUM(s.municipal_cents)')} AS state_eur
FROM shares s LEFT JOIN homes_by_month h ON {_home('s')}
GROUP BY h.municipality_id, s.month, s.rule_no, {_div('s.cat', str(kinds))}""", dialect)


POSTGRES_SETTINGS = ("SET work_mem = '512MB'", "SET hash_mem_multiplier = 4")
"""Session settings for the national totals on PostgreSQL. The planner cannot know that 20 million rows fall into some
hundred thousand groups (it expects a group a row), so with the default hash memory it sorts every row for the final
grouping (about 10 s of a part's 45); four times ``work_mem`` for hashing lets it choose the hash it needs. Sorts for
the window functions spill beyond ``work_mem`` either way: 512 MB was as fast as 1 GB and 256 MB on the national
benchmark. A part may so hold up to 512 MB a sort and 2 GB a hash step."""


def share_totals_in_parts(run: Callable[[str], list[tuple[Any, ...]]], book: RuleBook, dialect: str,
                          parts: int) -> list[tuple[Any, ...]]:
    """``share_totals_sql``'s rows computed in ``parts`` parts of the persons side by side and added up.

    ``run`` executes one query on a connection of its own (it is called from as many threads as there are parts;
    on PostgreSQL after ``POSTGRES_SETTINGS``).
    For PostgreSQL, whose window functions use one core a query: with a part per core the national share takes
    about 1/parts of the time. Billed persons add up too, since a person belongs to exactly one part."""
    return add_up(each_part(parts, lambda part: run(share_totals_sql(book, dialect, part))), TOTAL_KEYS)


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
