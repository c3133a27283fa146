"""Indicator values from the database (SQLite or PostgreSQL) or a Parquet snapshot, for any scope and date.

This is the one entry point the views, the API, the CLI and the programme use. ``as_of`` makes a
figure reproducible: the facts as recorded by the end of that month, counted up to that month, give
the same answer every time however the data has been corrected since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.core import precomputed
from polku.core.calendar import iter_months, month_end, month_start
from polku.core.errors import ErrorCode, ValidationFailed
from polku.derived.calendar import calculation_day
from polku.derived.membership import area_memberships, members_on
from polku.kpi.definitions import IndicatorDefinition, Measure
from polku.kpi.engine import (
    HELSINKI,
    NO_GROUP,
    IndicatorValue,
    MeasureTable,
    Request,
    SqlBackend,
    assemble,
    measure_in_parts,
    share_sql_table,
    sql_backend,
)
from polku.kpi.relations import RECORDED_RELATIONS, RELATIONS, Sources, Vocabulary, shipped_vocabulary


def labour_force_series() -> dict[tuple[str, int], int]:
    from polku.reference.models import LabourForce

    return {(m, y): p for m, y, p in LabourForce.objects.values_list("municipality_id", "year", "persons")}


def _python_share(request: Request, measures: list[Measure]) -> MeasureTable:
    """The share relation on SQLite: the municipal-share engine's rows (proven equal to its SQL)."""
    from polku.municipal_share.rules import shipped_rule_book
    from polku.municipal_share.selectors import share_rows
    from polku.reference.models import Municipality

    codes = request.municipalities or tuple(Municipality.objects.values_list("code", flat=True))
    wanted = set(request.months)
    group_column = request.group_column("share")
    sums: dict[tuple[str, date, str, str], Decimal] = defaultdict(Decimal)
    persons: dict[tuple[str, date, str, str], set[Any]] = defaultdict(set)
    for row in share_rows(shipped_rule_book(), municipality_codes=codes, first_month=min(request.months),
                          last_month=max(request.months)):
        if row.month not in wanted or row.municipality is None:
            continue
        values = {"benefit_type": row.benefit_type, "rule_set": row.rule_set}
        for measure in measures:
            if all(c.matches(values[c.column]) for c in measure.where):
                key = (measure.key, row.month, row.municipality,
                       str(values[group_column]) if group_column else NO_GROUP)
                sums[key] += row.municipal_eur
                if row.municipal_eur > 0:
                    persons[key].add(row.person_id)
    return {key: (value, len(persons[key])) for key, value in sums.items() if value}


HOME_COLUMNS = "person_id, start_date, end_date, municipality_id"
SHARE_FACTS = {
    "benefits": ("timeline_benefitmonth", "person_id, month, benefit_type, basis, days, amount"),
    "conditions": ("timeline_employmentconditionmet", "person_id, met_on"),
}


def database_backend(using: str = "default") -> SqlBackend:
    connection = connections[using]
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    sources = Sources()

    def run(sql: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    share: Callable[[Request, list[Measure]], MeasureTable] = _python_share
    if vendor == "postgresql":
        def share(request: Request, measures: list[Measure]) -> MeasureTable:
            tables = {"homes": (sources.homes, HOME_COLUMNS), **SHARE_FACTS}
            facts = ",\n".join(f"{name} AS ({sources.current(table, columns, request.known_at)})"
                                for name, (table, columns) in tables.items())
            return share_sql_table(request, measures, "postgresql", run, facts)

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return sql_backend(vendor, run, sources, shipped_vocabulary(), share=share, labour_force=labour_force_series(),
                       execute=execute)


def measured_in_parts(request: Request, parts: int | None = None) -> MeasureTable:
    """The request's measure table from the database in use, on PostgreSQL in parts of the persons side by side
    (``POLKU_NATIONAL_PARTS``, one connection each: see ``engine.measure_in_parts``) for national computations such
    as the open-data tables.

    Every part reads the same moment's data: this connection exports its snapshot and each part's transaction reads
    that snapshot (PostgreSQL's ``SET TRANSACTION SNAPSHOT``), so an import committing meanwhile is in no part or in
    all of them. Inside a transaction (whose writes the others would not see) and on SQLite (text keys) it is one
    backend on this connection, with the same result."""
    parts = settings.POLKU_NATIONAL_PARTS if parts is None else parts
    connection = connections["default"]
    if parts <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return database_backend().measure_table(request)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]

        def measure(part: Request) -> MeasureTable:
            try:
                with transaction.atomic(), connections["default"].cursor() as own:
                    own.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    own.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                    return database_backend().measure_table(part)
            finally:
                connections.close_all()  # this thread's own connections

        return measure_in_parts(measure, request, parts)


def duckdb_parquet_backend(connection: Any, directory: Path, vocabulary: Vocabulary,
                           labour_force: dict[tuple[str, int], int] | None = None) -> SqlBackend:
    """DuckDB over a Parquet snapshot (the simulator's or ``polku kpi snapshot``'s file layout)."""
    from polku.municipal_share.sql_engine import EMPTY_CONDITIONS

    def parquet(table: str) -> str:
        return f"read_parquet('{directory / (table + '.parquet')}')"

    def by_uuid(table: str, column: str = "person_id") -> str:
        """The file with its person key as a UUID: Parquet holds it as text, and the relations join on it millions
        of times (a 16-byte key hashes and compares several times faster than a 36-character string)."""
        return f"(SELECT * REPLACE (CAST({column} AS UUID) AS {column}) FROM {table})"

    assignments = _optional(directory, "casework_caseassignment")
    offers, profiles = _optional(directory, "employer_services_joboffer"), \
        _optional(directory, "employer_services_competenceprofile")
    sources = Sources(status_spells=by_uuid(parquet("timeline_statusspell")),
                      homes=by_uuid(parquet("timeline_homemunicipalityspell")),
                      job_searches=by_uuid(parquet("timeline_jobsearchperiod")),
                      persons=by_uuid(parquet("people_person"), "id"),
                      decisions=_optional(directory, "provision_decision"),
                      assignments=None if assignments is None else by_uuid(assignments),
                      offerings=_optional(directory, "provision_serviceoffering"),
                      capacities=_optional(directory, "provision_offeringcapacity"),
                      participations=_optional(directory, "provision_participation"),
                      job_offers=None if offers is None else by_uuid(offers),
                      profiles=None if profiles is None else by_uuid(profiles),
                      employer_contacts=_optional(directory, "employer_services_employercontact"),
                      feedback=_optional(directory, "portal_feedbackanswer"), versioned=False,
                      persons_have_team="team_id" in _parquet_columns(connection, directory))

    def run(sql: str) -> list[tuple[Any, ...]]:
        return list(connection.execute(sql).fetchall())

    def execute(sql: str) -> None:
        connection.execute(sql)

    def share(request: Request, measures: list[Measure]) -> MeasureTable:
        conditions_file = directory / "timeline_employmentconditionmet.parquet"
        conditions = sources.current(by_uuid(parquet("timeline_employmentconditionmet")), "person_id, met_on",
                                     request.known_at) if conditions_file.exists() else EMPTY_CONDITIONS
        homes = sources.current(sources.homes, HOME_COLUMNS, request.known_at)
        benefits = sources.current(by_uuid(parquet("timeline_benefitmonth")), SHARE_FACTS["benefits"][1],
                                   request.known_at)
        facts = f"homes AS ({homes}),\nbenefits AS ({benefits}),\nconditions AS ({conditions})"
        return share_sql_table(request, measures, "duckdb", run, facts)

    return sql_backend("duckdb", run, sources, vocabulary, share=share, labour_force=labour_force or {},
                       execute=execute)


def _optional(directory: Path, table: str) -> str | None:
    """A snapshot table that older snapshots (and the simulator's national ones) do not have."""
    path = directory / f"{table}.parquet"
    return f"read_parquet('{path}')" if path.exists() else None


def _parquet_columns(connection: Any, directory: Path) -> set[str]:
    path = directory / "people_person.parquet"
    return {row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}


# --- scopes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """A municipality or an employment area; an area's members are those in it on the month's calculation day."""

    code: str
    name: str
    kind: str  # "municipality" or "area"
    memberships: tuple[tuple[str, date, date | None], ...]

    @property
    def municipality_codes(self) -> tuple[str, ...]:
        return tuple(sorted({m for m, _, _ in self.memberships}))

    def members_on(self, month: date) -> set[str]:
        return members_on(self.memberships, calculation_day(month))


def municipality_scope(municipality: Any) -> Scope:
    """A municipality's scope, from the row already at hand (no query)."""
    return Scope(municipality.code, municipality.name, "municipality", ((municipality.code, date.min, None),))


def scope_for(code: str) -> Scope:
    """``765`` (a municipality) or ``kainuu`` (an employment area's code)."""
    from polku.reference.models import EmploymentArea, Municipality

    municipality = Municipality.objects.filter(code=code.zfill(3) if code.isdigit() else code).first()
    if municipality is not None:
        return municipality_scope(municipality)
    area = EmploymentArea.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed.single("scope", ErrorCode.UNKNOWN, _("Tuntematon kunta tai alue: %(code)s.") % {"code": code})
    return Scope(area.code, area.name, "area", area_memberships(area))


# --- the one entry point -------------------------------------------------------------------------

def reference_moment(as_of: date | None) -> tuple[date, datetime | None]:
    """The reference date and the recording instant facts are read as of.

    "As of" a month: its last day, and the facts as recorded by the end of that day in Helsinki.
    Otherwise today, and the current facts.
    """
    if as_of is None:
        return timezone.localdate(), None
    horizon = month_end(as_of)
    return horizon, datetime.combine(horizon, time.max, tzinfo=HELSINKI)


def indicator_values(
    definition: IndicatorDefinition, scope: Scope, first_month: date, last_month: date, *,
    dimension: str | None = None, as_of: date | None = None, by_year: bool = False, suppress: bool = False,
    backend: SqlBackend | None = None,
) -> list[IndicatorValue]:
    """Values of one indicator for a scope and a month range (or the years it spans)."""
    if dimension is not None and dimension not in definition.disaggregations:
        raise ValidationFailed.single("dimension", ErrorCode.INVALID,
                                      f"Mittaria ei voi eritellä näin: {dimension}. Sallitut: "
                                      f"{', '.join(definition.disaggregations)}.")
    if last_month < first_month:
        raise ValidationFailed.single("last_month", ErrorCode.END_BEFORE_START, "Jakso päättyy ennen alkuaan.")
    placed_by_area = RELATIONS[definition.numerator.relation].placement == "area"
    if placed_by_area and scope.kind != "area":
        raise ValidationFailed.single("scope", ErrorCode.INVALID, area_only_message(definition, scope))
    horizon, known_at = reference_moment(as_of)
    last_month = min(last_month, month_start(horizon))
    months = list(iter_months(first_month, last_month))
    if not months:
        return []
    request = Request((definition,), tuple(months), horizon, (scope.code,) if placed_by_area else scope.municipality_codes,
                      None if dimension in (None, "municipality", "area") else dimension, known_at)
    table = (backend or database_backend()).measure_table(request)
    # A group with a denominator but nothing in the numerator is a 0 (an empty service type), not a missing row.
    counted = {m.key for m in (definition.numerator, definition.denominator)
               if m is not None and m.relation != "labour_force"}
    groups = {key[3] for key in table if key[0] in counted} or {NO_GROUP}
    if request.dimension is None:
        groups = {NO_GROUP}
    scopes: dict[str, Callable[[date], set[str]]] = {scope.code: scope.members_on}
    if placed_by_area:  # the rows carry the area's own code
        scopes = {scope.code: lambda _month: {scope.code}}
    elif dimension == "municipality":
        scopes = {m: _member(scope, m) for m in scope.municipality_codes}
    return assemble(definition, table, months, scopes, groups=groups, by_year=by_year, suppress=suppress)


def shown_values(definition: IndicatorDefinition, scope: Scope, first_month: date, last_month: date, *,
                 dimension: str | None = None, as_of: date | None = None, by_year: bool = False,
                 suppress: bool = False) -> list[IndicatorValue]:
    """The values a reader is shown: with small cells suppressed (``suppress``), a municipality's figure is also
    hidden wherever its area's figure by municipality hides it (:func:`hidden_as_in_its_areas`)."""
    values = indicator_values(definition, scope, first_month, last_month, dimension=dimension, as_of=as_of,
                              by_year=by_year, suppress=suppress)
    if suppress and scope.kind == "municipality" and dimension is None:
        values = hidden_as_in_its_areas(definition, scope, values, first_month=first_month, last_month=last_month,
                                        as_of=as_of, by_year=by_year)
    return values


def area_only_message(definition: IndicatorDefinition, scope: Scope) -> str:
    """Why an area-placed indicator has no figure for a municipality, naming the areas to look at instead."""
    from polku.reference.models import EmploymentArea

    areas = ", ".join(f"{a.name} ({a.code})" for a in EmploymentArea.objects.filter(
        memberships__municipality_id=scope.code).distinct().order_by("code"))
    return _("%(indicator)s lasketaan vain työllisyysalueelle, koska palvelut kuuluvat alueelle eivätkä yksittäiseen "
             "kuntaan. Valitse kunnan alue: %(areas)s.") % {"indicator": definition.title, "areas": areas or "–"}


def _member(scope: Scope, municipality: str) -> Callable[[date], set[str]]:
    """One member of an area as a scope of its own (while it is a member)."""
    return lambda month: {municipality} if municipality in scope.members_on(month) else set()


def hidden_as_in_its_areas(definition: IndicatorDefinition, scope: Scope, values: list[IndicatorValue], *,
                           first_month: date, last_month: date, as_of: date | None = None,
                           by_year: bool = False) -> list[IndicatorValue]:
    """A municipality's figure hidden wherever its area's figure by municipality hides it: asked one by one, the
    municipalities and the area's total would otherwise give a lone hidden municipality back by subtraction.

    For every reader of suppressed figures of one municipality (the indicator page, the monthly report)."""
    from polku.reference.models import EmploymentAreaMembership

    if "municipality" not in definition.disaggregations:
        return values
    hidden: set[str] = set()
    area_codes = EmploymentAreaMembership.objects.filter(municipality_id=scope.code).values_list(
        "area__code", flat=True).distinct()
    for area_code in area_codes:
        by_municipality = indicator_values(definition, scope_for(area_code), first_month, last_month,
                                           dimension="municipality", as_of=as_of, by_year=by_year, suppress=True)
        hidden |= {v.period for v in by_municipality if v.scope == scope.code and v.suppressed}
    return [replace(v, numerator=None, denominator=None, value=None, suppressed=True)
            if v.period in hidden and not v.suppressed else v for v in values]


def figures_generation(definitions: Iterable[IndicatorDefinition]) -> str:
    """The generation of every fact ``definitions`` count, for the key of figures the worker computes up to today:
    any fact written (``precomputed.facts_generation``), and the recorded facts when they count them."""
    return precomputed.facts_generation() + recorded_facts_generation(definitions)


def recorded_facts_generation(definitions: Iterable[IndicatorDefinition]) -> str:
    """The recorded facts' generation when any of ``definitions`` counts them (offers, contacts, profiles, feedback
    answers), else "": a key naming it stops finding figures cached before the latest such write."""
    reads = any(m is not None and m.relation in RECORDED_RELATIONS
                for d in definitions for m in (d.numerator, d.denominator))
    return "|" + precomputed.named_generation(precomputed.RECORDED_FACTS) if reads else ""
