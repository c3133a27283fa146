"""The KPI engine: definitions + facts + a reference date → indicator values, on any SQL engine.

Two stages, so that every engine (SQLite, PostgreSQL, DuckDB over Parquet and the pure-Python
reference evaluator) only has to produce the same small *measure table* and everything after it is
shared, pure Python:

1. ``measure_table``: for each measure of the requested indicators, its aggregate per month,
   municipality and disaggregation group (one SQL query per relation computes all measures at once).
2. ``assemble``: factor × numerator ÷ denominator per month, areas as sums of their municipalities,
   years as averages / sums / ratios of sums, and small-cell suppression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from polku.core import suppression
from polku.core.calendar import month_start
from polku.derived.parts import Part, each_part
from polku.derived.sql import date_literal, render, timestamp_literal
from polku.kpi.definitions import Condition, IndicatorDefinition, Measure
from polku.kpi.relations import (
    RELATIONS,
    Sources,
    Vocabulary,
    base_ctes,
    calc_months,
    events_ctes,
    spells_table_sql,
    stock_ctes,
)

# (measure key, month, municipality, group) → (aggregate, contributors)
Key = tuple[str, date, str, str]
MeasureTable = dict[Key, tuple[Decimal, int]]
NO_GROUP = ""


@dataclass(frozen=True)
class Request:
    """What to compute: indicators, months, where, broken down by what, and as known when."""

    indicators: tuple[IndicatorDefinition, ...]
    months: tuple[date, ...]
    horizon: date  # the reference date: nothing after it is known to have happened
    municipalities: tuple[str, ...] | None = None  # None: every municipality
    dimension: str | None = None
    known_at: datetime | None = None  # facts as recorded by then; None: current facts
    # One part of the persons (``polku.derived.parts``), for a national run in parts: see ``measure_in_parts``.
    part: Part | None = None

    def measures(self) -> list[Measure]:
        seen: dict[str, Measure] = {}
        for indicator in self.indicators:
            for measure in (indicator.numerator, indicator.denominator):
                if measure is not None:
                    seen.setdefault(measure.key, measure)
        return list(seen.values())

    def group_column(self, relation: str) -> str | None:
        if self.dimension in (None, "municipality", "area"):
            return None
        return RELATIONS[relation].dimensions.get(self.dimension or "")


# --- SQL -------------------------------------------------------------------------------------------

def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "'" + str(value).replace("'", "''") + "'"


def condition_sql(condition: Condition) -> str:
    if condition.operator in ("in", "not in"):
        values = ", ".join(_literal(v) for v in condition.value)
        return f"{condition.column} {condition.operator.upper()} ({values})"
    return f"{condition.column} {'=' if condition.operator == '=' else '<>'} {_literal(condition.value)}"


def measure_sql(measure: Measure, value_column: str = "1") -> str:
    where = " AND ".join(condition_sql(c) for c in measure.where) or "1 = 1"
    return f"SUM(CASE WHEN {where} THEN {value_column} ELSE 0 END)"


def relation_query(request: Request, relation: str, measures: list[Measure], sources: Sources,
                   vocabulary: Vocabulary, spells_table: str | None = None, *, indexed: bool = False) -> str:
    """One query computing every measure over ``stock`` or ``events`` per month, municipality and group (written
    once; ``polku.derived.sql.render`` gives each engine's SQL). ``indexed``: ``spells_table`` has its index by
    person (``spells_table_sql``), so the stock's history is looked up a row at a time."""
    months = calc_months(list(request.months))
    ctes = base_ctes(vocabulary, months, request.horizon, sources, request.known_at, request.municipalities,
                     spells_table, request.part)
    if relation == "stock":
        structural = request.group_column(relation) == "structural" or any(
            c.column == "structural" for m in measures for c in m.where)
        ctes += ",\n" + stock_ctes(structural=structural, active_only=all(map(_active_only, measures)),
                                   indexed_spells=indexed and spells_table is not None)
    else:
        ctes += ",\n" + events_ctes(request.horizon)
    group = request.group_column(relation) or "''"
    columns = ", ".join(f"{measure_sql(m)} AS m{i}" for i, m in enumerate(measures))
    scope = "" if request.municipalities is None else \
        " WHERE municipality IN (" + ", ".join(_literal(m) for m in request.municipalities) + ")"
    return (f"WITH {ctes}\nSELECT month, municipality, {group} AS grp, {columns} FROM {relation}{scope} "
            f"GROUP BY {_grouping(request, relation)}")


# Stock columns whose value (as compared) holds only on a row of unemployment or an activation service.
_ACTIVE_FLAGS = ("unemployed", "in_activation_service", "unemployed_or_in_service", "long_term")


def _active_only(measure: Measure) -> bool:
    """Whether a stock measure counts only rows of unemployment or an activation service (``structural`` is
    empty on every other row), so that the other rows need not be produced at all."""
    for c in measure.where:
        if c.column in _ACTIVE_FLAGS and c.operator == "=" and c.value is True:
            return True
        if c.column == "structural" and ((c.operator == "in" and "" not in c.value)
                                         or (c.operator == "=" and c.value != "")):
            return True
    return False


def _grouping(request: Request, relation: str) -> str:
    group = request.group_column(relation)
    return "month, municipality" + (f", {group}" if group else "")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def rows_to_table(rows: Iterable[tuple[Any, ...]], measures: list[Measure], table: MeasureTable) -> None:
    for row in rows:
        month, municipality, group = _as_date(row[0]), str(row[1] or ""), str(row[2] or "")
        for i, measure in enumerate(measures):
            value = int(row[3 + i] or 0)
            if value:
                table[(measure.key, month, municipality, group)] = (Decimal(value), value)


Runner = Callable[[str], list[tuple[Any, ...]]]
ShareProvider = Callable[[Request, list[Measure]], MeasureTable]


@dataclass
class SqlBackend:
    """Runs the relation queries on one SQL engine; the share relation comes from its own provider."""

    engine: str  # sqlite, postgresql or duckdb
    run: Runner
    sources: Sources
    vocabulary: Vocabulary
    share: ShareProvider | None = None
    labour_force: dict[tuple[str, int], int] = field(default_factory=dict)
    # Statements are run first to put the spells into a temporary table the relation queries share (indexed on
    # SQLite, for the history join, and PostgreSQL). None: every query computes them itself.
    execute: Callable[[str], None] | None = None
    # The stock's history looked up a row at a time in the indexed spells table (True) or joined once (False); None:
    # as the engine reads it faster (looked up on SQLite and PostgreSQL, joined by hashing on DuckDB).
    lookup_history: bool | None = None

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        """Run SQL written once (``polku.derived.sql``) in this engine's dialect."""
        return self.run(render(sql, self.engine))

    def _check_part(self, request: Request) -> None:
        if request.part is not None and self.engine == "sqlite":
            raise ValueError("persons in parts need UUID keys (PostgreSQL, DuckDB); SQLite keeps them as text")

    def measure_table(self, request: Request) -> MeasureTable:
        self._check_part(request)
        table: MeasureTable = {}
        by_relation: dict[str, list[Measure]] = defaultdict(list)
        for measure in request.measures():
            by_relation[measure.relation].append(measure)
        spells_table = None
        # SQLite always (it cannot index a CTE); the others when both queries would compute the runs. Where the table
        # is built, the stock's history is looked up in it a row at a time (SQLite, PostgreSQL: by its index) or
        # joined by hashing (DuckDB); without it, joined within the query.
        indexed = self.engine != "duckdb" if self.lookup_history is None else self.lookup_history
        shared = by_relation["stock"] or by_relation["events"] if self.engine == "sqlite" \
            else by_relation["stock"] and by_relation["events"]
        if self.execute is not None and shared:
            spells_table = ("pg_temp" if self.engine == "postgresql" else "temp") + ".kpi_spells"
            for statement in spells_table_sql("kpi_spells", self.vocabulary, calc_months(list(request.months)),
                                              request.horizon, self.engine, self.sources, request.known_at,
                                              request.municipalities, request.part):
                self.execute(statement)
        for relation in ("stock", "events"):
            if by_relation[relation]:
                sql = relation_query(request, relation, by_relation[relation], self.sources, self.vocabulary,
                                     spells_table, indexed=indexed)
                rows_to_table(self._run(sql), by_relation[relation], table)
        if spells_table is not None and self.execute is not None:  # not on failure: an aborted transaction refuses
            self.execute(f"DROP TABLE IF EXISTS {spells_table}")
        if request.part is not None and request.part[0] > 0:
            return table  # the relations not over the timeline's persons are the first part's (measure_in_parts)
        if by_relation["share"]:
            if self.share is None:
                raise LookupError("share relation is not available on this backend")
            table.update(self.share(request, by_relation["share"]))
        if by_relation["labour_force"]:
            table.update(labour_force_table(request, by_relation["labour_force"], self.labour_force))
        # Relations over what case work and the services record (not timelines): one query each, when the
        # source holds them (an older Parquet snapshot may not).
        recorded = (("caseload", self.sources.assignments, caseload_query),
                    ("decisions", self.sources.decisions, decisions_query),
                    ("service_places", self.sources.offerings, service_places_query),
                    ("job_offers", self.sources.job_offers, job_offers_query),
                    ("competence_profiles", self.sources.profiles, competence_profiles_query),
                    ("employer_contacts", self.sources.employer_contacts, employer_contacts_query),
                    ("client_feedback", self.sources.feedback, client_feedback_query))
        for relation, source, query in recorded:
            if by_relation[relation] and source is not None:
                sql = query(request, by_relation[relation], self.sources)
                table.update(contributor_rows_to_table(self._run(sql), by_relation[relation], set(request.months)))
        return table


def measure_in_parts(measure: Callable[[Request], MeasureTable], request: Request, parts: int) -> MeasureTable:
    """The request's measures computed in ``parts`` parts of the persons side by side and added up.

    ``measure`` computes one part's request on a connection of its own (a backend's ``measure_table``; it is called
    from as many threads as there are parts). The stock and events relations count persons, so their parts add up
    to the whole; the other relations are computed once, with the first part. For PostgreSQL, which sorts and joins
    a query on one core, a part per core divides the national run's time among the cores."""
    return add_tables(each_part(parts, lambda part: measure(replace(request, part=part))))


def add_tables(tables: Iterable[MeasureTable]) -> MeasureTable:
    """Measure tables of disjoint parts of the persons as one: aggregates and contributors added cell by cell."""
    total: MeasureTable = {}
    for table in tables:
        for key, (value, contributors) in table.items():
            earlier = total.get(key)
            total[key] = (value, contributors) if earlier is None else \
                (earlier[0] + value, earlier[1] + contributors)
    return total


HELSINKI = ZoneInfo("Europe/Helsinki")
DECISION_TOTAL = "(monthly_amount * months)"
CENT = Decimal("0.01")


def decisions_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Decisions per month of decision and paying municipality: each measure's count or euros, and how many
    persons are behind it (for small-cell suppression). "As of" counts what was recorded by then."""
    first, after = _month_range(request)
    group = request.group_column("decisions") or "''"
    columns = _person_columns(measures, lambda m: DECISION_TOTAL if m.aggregate == "sum" else "1")
    known = "" if request.known_at is None else f" AND created_at <= {timestamp_literal(request.known_at)}"
    return (f"SELECT CAST(DATE_TRUNC('month', decided_on) AS DATE) AS month, municipality_id AS municipality, "
            f"{group} AS grp, {columns} "
            f"FROM {sources.decisions} WHERE decided_on >= {first} AND decided_on < {after}{known}"
            f"{_scope(request, 'municipality_id')} GROUP BY 1, 2, 3")


def day_ends(request: Request) -> list[tuple[date, date, datetime]]:
    """(month, calculation day, the instant that day ends in Helsinki) for each month asked."""
    return [(c.month, c.day, datetime.combine(c.day + timedelta(days=1), time(), tzinfo=HELSINKI))
            for c in calc_months(list(request.months))]


def caseload_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Counsellors' clients on each calculation day: assignments in force at the end of the day whose person has
    an open job search that day. Each counsellor is placed, with all their clients, in the municipality where most
    of them live (a tie goes to the lower code), so an area adds up each counsellor once. As of a moment, an
    assignment counts if it had started by then, and one ended later counts as still running."""
    calc = ", ".join(f"({date_literal(month)}, {date_literal(day)}, {timestamp_literal(end)})"
                     for month, day, end in day_ends(request))
    known = request.known_at
    started = "" if known is None else f" AND a.started_at <= {timestamp_literal(known)}"
    ended = "a.ended_at IS NULL OR a.ended_at >= c.day_end" + (
        "" if known is None else f" OR a.ended_at > {timestamp_literal(known)}")
    homes = sources.current(sources.homes, "person_id, start_date, end_date, municipality_id", known)
    searches = sources.current(sources.job_searches, "person_id, registered_on, ended_on", known)
    scope = "" if request.municipalities is None else \
        " AND municipality IN (" + ", ".join(_literal(m) for m in request.municipalities) + ")"
    columns = ", ".join(f"{measure_sql(m, 'total' if m.aggregate == 'sum' else '1')} AS m{i}, SUM(total) AS n{i}"
                        for i, m in enumerate(measures))
    return f"""WITH calc(month, day, day_end) AS (VALUES {calc}),
homes AS ({homes}),
searches AS ({searches}),
loads AS (
  SELECT c.month, h.municipality_id AS municipality, a.counsellor_id, COUNT(*) AS clients
  FROM calc c
  JOIN {sources.assignments} a ON a.counsellor_id IS NOT NULL AND a.started_at < c.day_end AND ({ended}){started}
  JOIN searches s ON s.person_id = a.person_id AND s.registered_on <= c.day AND (s.ended_on IS NULL OR s.ended_on >= c.day)
  JOIN homes h ON h.person_id = a.person_id AND h.start_date <= c.day AND (h.end_date IS NULL OR h.end_date >= c.day)
  GROUP BY c.month, h.municipality_id, a.counsellor_id),
placed AS (
  SELECT month, municipality, clients, SUM(clients) OVER (PARTITION BY month, counsellor_id) AS total,
         ROW_NUMBER() OVER (PARTITION BY month, counsellor_id ORDER BY clients DESC, municipality) AS place_no
  FROM loads)
SELECT month, municipality, '' AS grp, {columns} FROM placed WHERE place_no = 1{scope} GROUP BY 1, 2, 3"""


def service_places_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Offerings open on each calculation day, per area (and service type): their places that day (the offering's
    capacity, or the latest change in force by then) and the participants whose participation covers the day.
    Persons behind a figure (for small-cell suppression) are the participants; places and offerings are not persons.
    "As of" a moment: offerings and capacity changes recorded by then, participations as their spells stood then.
    ``request.municipalities`` holds area codes here (the relation is placed by area)."""
    assert sources.offerings is not None
    assert sources.capacities is not None
    assert sources.participations is not None
    calc = ", ".join(f"({date_literal(c.month)}, {date_literal(c.day)})" for c in calc_months(list(request.months)))
    known = "" if request.known_at is None else f" WHERE created_at <= {timestamp_literal(request.known_at)}"
    participations = sources.current(sources.participations, "offering_id, person_id, start_date, end_date",
                                     request.known_at)
    scope = "" if request.municipalities is None else \
        " AND o.area IN (" + ", ".join(_literal(m) for m in request.municipalities) + ")"
    group = request.group_column("service_places") or "''"
    value = {"count": "1", "capacity": "capacity", "participants": "participants"}
    columns = ", ".join(
        f"{measure_sql(m, value[m.aggregate])} AS m{i}, "
        f"{measure_sql(m, 'participants') if m.aggregate == 'participants' else '0'} AS n{i}"
        for i, m in enumerate(measures))
    return f"""WITH calc(month, day) AS (VALUES {calc}),
offerings AS (SELECT id, area, service_type_id, capacity, available_from, available_to FROM {sources.offerings}{known}),
changes AS (SELECT offering_id, valid_from, capacity FROM {sources.capacities}{known}),
participations AS ({participations}),
open_offerings AS (
  SELECT c.month, c.day, o.id, o.area, o.service_type_id AS service_type, o.capacity
  FROM calc c JOIN offerings o ON o.available_from <= c.day AND (o.available_to IS NULL OR o.available_to >= c.day){scope}),
capacities AS (
  SELECT k.month, k.id, k.area, k.service_type, COALESCE(ch.capacity, k.capacity) AS capacity,
         ROW_NUMBER() OVER (PARTITION BY k.month, k.id ORDER BY ch.valid_from DESC) AS change_no
  FROM open_offerings k LEFT JOIN changes ch ON ch.offering_id = k.id AND ch.valid_from <= k.day),
taking AS (
  SELECT k.month, k.id, COUNT(*) AS participants
  FROM open_offerings k JOIN participations p ON p.offering_id = k.id AND p.start_date <= k.day
   AND (p.end_date IS NULL OR p.end_date >= k.day)
  GROUP BY k.month, k.id),
service_places AS (
  SELECT c.month, c.area, c.service_type, c.capacity, COALESCE(t.participants, 0) AS participants
  FROM capacities c LEFT JOIN taking t ON t.month = c.month AND t.id = c.id WHERE c.change_no = 1)
SELECT month, area AS municipality, {group} AS grp, {columns} FROM service_places GROUP BY 1, 2, 3"""


def _month_range(request: Request) -> tuple[str, str]:
    """The first day of the first month asked and the first day after the last, as SQL literals."""
    first, last = min(request.months), max(request.months)
    return date_literal(first), date_literal(date(last.year + (last.month == 12), last.month % 12 + 1, 1))


def _scope(request: Request, column: str) -> str:
    return "" if request.municipalities is None else \
        f" AND {column} IN (" + ", ".join(_literal(m) for m in request.municipalities) + ")"


def _person_columns(measures: list[Measure], value: Callable[[Measure], str] = lambda m: "1") -> str:
    """Each measure's aggregate (of ``value``: a count by default) and the distinct persons behind it (for
    small-cell suppression)."""
    return ", ".join(
        f"{measure_sql(m, value(m))} AS m{i}, "
        f"COUNT(DISTINCT CASE WHEN {' AND '.join(condition_sql(c) for c in m.where) or '1 = 1'} THEN person_id END) AS n{i}"
        for i, m in enumerate(measures))


def job_offers_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Job offers per month of the offer, placed by the job seeker's home on the day of the offer. An outcome
    counts from its own date: "as of" a moment, offers recorded by then, and an outcome dated or recorded later is
    still open (outcomes keep no history: one corrected later reads as open for the moments before the change)."""
    first, after = _month_range(request)
    known = request.known_at
    recorded = "" if known is None else f" AND created_at <= {timestamp_literal(known)}"
    decided = "outcome_on IS NOT NULL" + ("" if known is None else (
        f" AND outcome_on <= {date_literal(known.astimezone(HELSINKI).date())}"
        f" AND updated_at <= {timestamp_literal(known)}"))  # recorded by then (a later correction: still open)
    homes = sources.current(sources.homes, "person_id, start_date, end_date, municipality_id", known)
    return f"""WITH homes AS ({homes}),
offers AS (
  SELECT person_id, offered_on, CASE WHEN binding THEN 1 ELSE 0 END AS binding,
         CASE WHEN {decided} THEN outcome ELSE 'open' END AS outcome
  FROM {sources.job_offers} WHERE offered_on >= {first} AND offered_on < {after}{recorded}),
job_offers AS (
  SELECT CAST(DATE_TRUNC('month', o.offered_on) AS DATE) AS month, h.municipality_id AS municipality, o.person_id,
         o.binding, o.outcome
  FROM offers o JOIN homes h ON h.person_id = o.person_id AND h.start_date <= o.offered_on
   AND (h.end_date IS NULL OR h.end_date >= o.offered_on))
SELECT month, municipality, '' AS grp, {_person_columns(measures)} FROM job_offers
WHERE 1 = 1{_scope(request, "municipality")} GROUP BY 1, 2, 3"""


def competence_profiles_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Job seekers with an open job search on each calculation day, placed by their home that day, and whether a
    profile of theirs had been written by the end of the day (as of a moment: written by then)."""
    calc = ", ".join(f"({date_literal(month)}, {date_literal(day)}, {timestamp_literal(end)})"
                     for month, day, end in day_ends(request))
    known = request.known_at
    recorded = "" if known is None else f" WHERE created_at <= {timestamp_literal(known)}"
    homes = sources.current(sources.homes, "person_id, start_date, end_date, municipality_id", known)
    searches = sources.current(sources.job_searches, "person_id, registered_on, ended_on", known)
    return f"""WITH calc(month, day, day_end) AS (VALUES {calc}),
homes AS ({homes}),
searches AS ({searches}),
profiles AS (SELECT person_id, created_at FROM {sources.profiles}{recorded}),
seekers AS (
  SELECT DISTINCT c.month, c.day_end, h.municipality_id AS municipality, s.person_id
  FROM calc c
  JOIN searches s ON s.registered_on <= c.day AND (s.ended_on IS NULL OR s.ended_on >= c.day)
  JOIN homes h ON h.person_id = s.person_id AND h.start_date <= c.day AND (h.end_date IS NULL OR h.end_date >= c.day)),
competence_profiles AS (
  SELECT k.month, k.municipality, k.person_id, CASE WHEN p.person_id IS NULL THEN 0 ELSE 1 END AS has_profile
  FROM seekers k LEFT JOIN profiles p ON p.person_id = k.person_id AND p.created_at < k.day_end)
SELECT month, municipality, '' AS grp, {_person_columns(measures)} FROM competence_profiles
WHERE 1 = 1{_scope(request, "municipality")} GROUP BY 1, 2, 3"""


def employer_contacts_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Contacts with employers per month, placed by the employer's municipality. No person stands behind a
    contact with an organisation (nothing to suppress). As of a moment: contacts recorded by then."""
    first, after = _month_range(request)
    recorded = "" if request.known_at is None else f" AND created_at <= {timestamp_literal(request.known_at)}"
    columns = ", ".join(f"{measure_sql(m)} AS m{i}, 0 AS n{i}" for i, m in enumerate(measures))
    return (f"SELECT CAST(DATE_TRUNC('month', contacted_on) AS DATE) AS month, municipality_id AS municipality, "
            f"'' AS grp, {columns} FROM {sources.employer_contacts} "
            f"WHERE municipality_id IS NOT NULL AND contacted_on >= {first} AND contacted_on < {after}{recorded}"
            f"{_scope(request, 'municipality_id')} GROUP BY 1, 2, 3")


def feedback_months_before(request: Request) -> date:
    """The first month whose feedback does not count yet: the reference date's month (it has not ended), or as of
    a moment the month it falls in ("as of" a month is read at its very last instant, when it has ended)."""
    if request.known_at is None:
        return month_start(request.horizon)
    return min(month_start(request.horizon + timedelta(days=1)),
               month_start((request.known_at + timedelta(microseconds=1)).astimezone(HELSINKI).date()))


def client_feedback_query(request: Request, measures: list[Measure], sources: Sources) -> str:
    """Feedback answers per month, placed by the area of the client's team (``request.municipalities`` holds area
    codes: the relation is placed by area). An answer has no person: each answer is one respondent, and small cells
    are counted in answers. Answers carry no time of their own (a time would tie an anonymous answer to the
    client's logged visit), and only months that have ended count: before the reference date, and "as of" a moment,
    ended by then. A figure that moved during a month would tell staff how the client they just met answered."""
    last = max(request.months)
    after = min(date(last.year + (last.month == 12), last.month % 12 + 1, 1), feedback_months_before(request))
    first = date_literal(min(request.months))
    group = request.group_column("client_feedback") or "''"
    columns = ", ".join(f"{measure_sql(m)} AS m{i}, {measure_sql(m)} AS n{i}" for i, m in enumerate(measures))
    return f"""WITH client_feedback AS (
  SELECT month, area, kind, service_type, team_id, CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END AS positive,
         CASE WHEN useful THEN 1 ELSE 0 END AS useful
  FROM {sources.feedback} WHERE month >= {first} AND month < {date_literal(after)}{_scope(request, "area")})
SELECT month, area AS municipality, {group} AS grp, {columns} FROM client_feedback GROUP BY 1, 2, 3"""


def contributor_rows_to_table(rows: Iterable[tuple[Any, ...]], measures: list[Measure], months: set[date]) -> MeasureTable:
    """Rows of (month, municipality, group, value₀, persons₀, value₁, persons₁ …) as a measure table."""
    table: MeasureTable = {}
    for row in rows:
        month = _as_date(row[0])
        if month not in months:
            continue
        for i, measure in enumerate(measures):
            value, contributors = Decimal(str(row[3 + 2 * i] or 0)), int(row[4 + 2 * i] or 0)
            if measure.aggregate == "sum":  # euros: SQLite sums in floating point, the others exactly
                value = value.quantize(CENT, rounding=ROUND_HALF_UP)
            if value:
                table[(measure.key, month, str(row[1] or ""), str(row[2] or ""))] = (value, contributors)
    return table


def labour_force_table(request: Request, measures: list[Measure], series: dict[tuple[str, int], int]) -> MeasureTable:
    """The input series as a measure: each month carries the figure of (its year − lag)."""
    table: MeasureTable = {}
    for measure in measures:
        for month in request.months:
            for (municipality, year), persons in series.items():
                if year == month.year - measure.lag_years and (
                        request.municipalities is None or municipality in request.municipalities):
                    table[(measure.key, month, municipality, NO_GROUP)] = (Decimal(persons), persons)
    return table


def share_sql_table(request: Request, measures: list[Measure], dialect: str, run: Runner,
                    facts_ctes: str) -> MeasureTable:
    """The share relation by the municipal-share SQL engine (DuckDB, PostgreSQL) grouped per month."""
    from polku.municipal_share.rules import shipped_rule_book
    from polku.municipal_share.sql_engine import share_rows_query

    group = request.group_column("share") or "''"
    columns = ", ".join(
        f"{measure_sql(m, 'municipal_eur')} AS m{i}, "
        f"COUNT(DISTINCT CASE WHEN ({' AND '.join(condition_sql(c) for c in m.where) or '1 = 1'}) "
        f"AND municipal_eur > 0 THEN person_id END) AS n{i}"
        for i, m in enumerate(measures)
    )
    first, last = min(request.months), max(request.months)
    scope = "" if request.municipalities is None else \
        " AND municipality IN (" + ", ".join(_literal(m) for m in request.municipalities) + ")"
    sql = (f"WITH {facts_ctes}\nSELECT month, municipality, {group} AS grp, {columns} "
           f"FROM ({share_rows_query(shipped_rule_book())}) r "
           f"WHERE month >= {date_literal(first)} AND month <= {date_literal(last)}{scope} "
           f"GROUP BY {_grouping(request, 'share')}")
    return contributor_rows_to_table(run(render(sql, dialect)), measures, set(request.months))


def sql_backend(engine: str, run: Runner, sources: Sources, vocabulary: Vocabulary, **kwargs: Any) -> SqlBackend:
    return SqlBackend(engine, run, sources, vocabulary, **kwargs)


# --- assembly (pure) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorValue:
    """One number with what it was computed from; ``value`` is None when it cannot be computed or is hidden."""

    indicator: str
    version: int
    period: str  # "2021-12" or "2021"
    scope: str  # municipality code or area code
    group: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    months: int
    suppressed: bool = False
    verified: bool = True
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator, "version": self.version, "period": self.period, "scope": self.scope,
            "group": self.group or None, "numerator": _json_number(self.numerator),
            "denominator": _json_number(self.denominator), "value": _json_number(self.value),
            "months": self.months, "suppressed": self.suppressed, "verified": self.verified, "note": self.note or None,
        }


def _json_number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


NOT_IN_FORCE = "scope_not_in_force"  # the note of a period in which the scope (an area) had no municipality

PRECISION = {"persons": Decimal("0.1"), "count": Decimal("0.1"), "percent": Decimal("0.1"), "eur": Decimal("0.01")}


def _value(definition: IndicatorDefinition, numerator: Decimal, denominator: Decimal | None, *,
           whole: bool = False) -> Decimal | None:
    """factor × numerator ÷ denominator, rounded once; a month's count of persons or events is whole."""
    if definition.denominator is not None:
        if not denominator:
            return None
        raw = Decimal(definition.factor) * numerator / denominator
    else:
        raw = Decimal(definition.factor) * numerator
    precision = Decimal(1) if whole and definition.unit in ("persons", "count") else PRECISION[definition.unit]
    return raw.quantize(precision, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    """Numerator and denominator sums (and contributors) for one indicator, month, scope and group."""

    numerator: Decimal
    denominator: Decimal | None
    contributors: int
    denominator_contributors: int


def _cells(definition: IndicatorDefinition, table: MeasureTable, months: Iterable[date],
           scopes: dict[str, Callable[[date], set[str]]], groups: set[str]) -> dict[tuple[date, str, str], Cell]:
    """Sum the measure table into scopes (a municipality, or an area's members on that month)."""
    by_key: dict[str, dict[tuple[date, str, str], tuple[Decimal, int]]] = defaultdict(dict)
    for (key, month, municipality, group), value in table.items():
        by_key[key][(month, municipality, group)] = value
    numerator = by_key[definition.numerator.key]
    denominator = by_key[definition.denominator.key] if definition.denominator else {}
    denominator_grouped = definition.denominator is not None and definition.denominator.relation != "labour_force"
    cells = {}
    for month in months:
        for scope, members_on in scopes.items():
            members = members_on(month)
            for group in groups:
                n = [numerator.get((month, m, group), (Decimal(0), 0)) for m in members]
                d_group = group if denominator_grouped else NO_GROUP
                d = [denominator.get((month, m, d_group)) for m in members] if definition.denominator else []
                if definition.denominator and definition.denominator.relation == "labour_force" and \
                        any(x is None for x in d):
                    den: Decimal | None = None  # a member's labour force is missing: no rate rather than a wrong one
                    den_n = 0
                else:
                    den = sum((x[0] for x in d if x), Decimal(0)) if definition.denominator else None
                    den_n = sum(x[1] for x in d if x)
                cells[(month, scope, group)] = Cell(sum((x[0] for x in n), Decimal(0)), den,
                                                    sum(x[1] for x in n), den_n)
    return cells


def anonymous(definition: IndicatorDefinition) -> bool:
    """Whether the indicator counts anonymous answers: small cells hidden from everyone, only ended months."""
    return RELATIONS[definition.numerator.relation].anonymous


def assemble(definition: IndicatorDefinition, table: MeasureTable, months: list[date],
             scopes: dict[str, Callable[[date], set[str]]], *, groups: Iterable[str] = (NO_GROUP,),
             by_year: bool = False, suppress: bool = False) -> list[IndicatorValue]:
    """Values per month (or per year from its months), scope and group. Small cells of anonymous rows (feedback
    answers) are hidden whoever reads them."""
    suppress = suppress or anonymous(definition)
    group_set = set(groups)
    cells = _cells(definition, table, months, scopes, group_set)
    periods: dict[str, list[date]] = defaultdict(list)
    for month in months:
        periods[str(month.year) if by_year else f"{month:%Y-%m}"].append(month)
    values = []
    sizes: dict[tuple[str, str, str], int] = {}
    for period, period_months in sorted(periods.items()):
        for scope, members_on in scopes.items():
            # An area's months before it was set up (or after it ended) have no figure, not a zero; a year counts
            # only the months it existed.
            live = [m for m in period_months if members_on(m)]
            if not live:
                values += [IndicatorValue(
                    indicator=definition.code, version=definition.version, period=period, scope=scope, group=group,
                    numerator=None, denominator=None, value=None, months=0, verified=definition.verified,
                    note=NOT_IN_FORCE) for group in sorted(group_set)]
                continue
            for group in sorted(group_set):
                parts = [cells[(m, scope, group)] for m in live]
                numerator = sum((c.numerator for c in parts), Decimal(0))
                has_denominator = definition.denominator is not None
                missing_denominator = has_denominator and any(c.denominator is None for c in parts)
                denominator = None if not has_denominator or missing_denominator else \
                    sum((c.denominator or Decimal(0) for c in parts), Decimal(0))
                if by_year and definition.year == "average":
                    numerator = numerator / len(parts)
                    denominator = None if denominator is None else denominator / len(parts)
                value = None if missing_denominator else _value(
                    definition, numerator, denominator, whole=not (by_year and definition.year == "average"))
                contributors = min(c.contributors for c in parts) if not by_year else \
                    round(sum(c.contributors for c in parts) / len(parts))
                hidden = suppress and _too_small(definition, contributors, parts)
                sizes[(period, scope, group)] = contributors
                note = "" if not missing_denominator else "denominator_missing"
                values.append(IndicatorValue(
                    indicator=definition.code, version=definition.version, period=period, scope=scope, group=group,
                    numerator=None if hidden else _round(numerator), denominator=None if hidden else _round(denominator),
                    value=None if hidden else value, months=len(parts), suppressed=hidden, verified=definition.verified,
                    note=note,
                ))
    return _complement(values, sizes, scopes=list(scopes), groups=sorted(group_set)) if suppress else values


def _complement(values: list[IndicatorValue], sizes: dict[tuple[str, str, str], int], *, scopes: list[str],
                groups: list[str]) -> list[IndicatorValue]:
    """Complementary suppression: in a period, the groups of a scope add up to the scope's figure without the
    dimension, and the municipalities of an area to the area's; one hidden cell among them is never left alone (the
    next smallest is hidden too), so no hidden figure can be recovered by subtraction from another query's total."""
    key_of = {id(v): (v.period, v.scope, v.group) for v in values}
    primary = {key_of[id(v)] for v in values if v.suppressed}
    cell_groups = []
    for period in {v.period for v in values}:
        # A cell of a scope not in force that period is no figure at all: no equation holds it.
        if len(groups) > 1:
            cell_groups += [suppression.group([(period, s, g) for g in groups if (period, s, g) in sizes])
                            for s in scopes]
        if len(scopes) > 1:
            cell_groups += [suppression.group([(period, s, g) for s in scopes if (period, s, g) in sizes])
                            for g in groups]
    hidden = suppression.complement(sizes, primary, cell_groups)
    return [replace(v, numerator=None, denominator=None, value=None, suppressed=True)
            if key_of[id(v)] in hidden and not v.suppressed else v for v in values]


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize() \
        if value != value.to_integral_value() else value.quantize(Decimal(1))


def _too_small(definition: IndicatorDefinition, contributors: int, parts: list[Cell]) -> bool:
    """Small-cell rule: hide a figure resting on 1 … k−1 persons (in the numerator or a counted denominator)."""
    k = definition.suppression_threshold
    if 0 < contributors < k:
        return True
    counted_denominator = definition.denominator is not None and definition.denominator.relation != "labour_force"
    return counted_denominator and any(0 < c.denominator_contributors < k for c in parts)
