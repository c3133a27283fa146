"""A whole open table, computed and suppressed once: areas and their municipalities × months × indicators.

Figures come from the KPI engine (``polku.kpi``): one measure table for every measure the table's indicators use
(and the implied parts of its identities), the values by the engine's own ``assemble``. Suppression works on the
*measures*, since a published ratio gives away its parts once one of them is known:

1. primary: a measure cell (measure, area or municipality, month) resting on 1 … k−1 persons is small;
2. complementary (``polku.core.suppression.complement``) over every sum a reader can form from the table: the
   municipalities of an area add up to the area (per measure and month), and each identity's parts add up to its
   total (per area or municipality and month). In every such group either no cell or at least two are hidden, or the
   total is, so nothing hidden comes back by subtraction;
3. an indicator's figure is hidden when any measure it rests on is (the labour force, a published input series, is
   not a person count and never hides anything).

The suppression pattern belongs to the whole table, never to a query: every query, format and page slices the same
cube, so no two answers hide different cells.
"""

from __future__ import annotations

import gc
import json
import zlib
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from polku.core import suppression
from polku.core.calendar import iter_months, month_start
from polku.core.languages import text_in
from polku.derived.calendar import calculation_day
from polku.derived.facts import latest_benefit_month
from polku.kpi.definitions import Condition, IndicatorDefinition, Measure, shipped_definitions
from polku.kpi.engine import NO_GROUP, PRECISION, MeasureTable, Request, SqlBackend, assemble
from polku.open_data.tables import BY_ID, Identity, MeasureRef, OpenTable
from polku.public_statistics.tables import region_code

CONFIDENTIAL = suppression.SECONDARY_MARK  # "..": withheld for confidentiality (Statistics Finland's symbol)
NOT_AVAILABLE = "."  # no figure: a rate without a denominator, an area before it existed
FIRST_MONTH = date(2015, 1, 1)
LANGUAGES = ("fi", "sv", "en")

CellKey = tuple[str, str, date]  # (measure key, region code, month)


@dataclass(frozen=True)
class Region:
    code: str  # PxWeb's: KU765 for a municipality, the area's code in capitals for an area
    labels: dict[str, str]
    kind: str  # "area" or "municipality"
    members: tuple[tuple[str, date, date | None], ...]  # municipality codes (Polku's, "765") and their validity

    def members_on(self, month: date) -> set[str]:
        day = calculation_day(month)
        return {m for m, start, end in self.members if start <= day and (end is None or day <= end)}


@dataclass(frozen=True)
class Indicator:
    code: str
    labels: dict[str, str]
    unit: str
    decimals: int
    verified: bool
    source: str


@dataclass(frozen=True)
class Cube:
    """A table's published cells: ``values[(region, month, indicator)]`` is a figure or None with a status."""

    table: OpenTable
    regions: tuple[Region, ...]
    months: tuple[date, ...]
    indicators: tuple[Indicator, ...]
    values: dict[tuple[str, date, str], Decimal | None]
    statuses: dict[tuple[str, date, str], str]
    threshold: int
    computed_at: datetime


# --- measures -------------------------------------------------------------------------------------------------


def _measure(ref: MeasureRef, definitions: dict[str, IndicatorDefinition]) -> Measure:
    if isinstance(ref, str):
        code, side = ref.split(".")
        measure = getattr(definitions[code], side)
        assert isinstance(measure, Measure), ref
        return measure
    conditions = tuple(Condition(c, op, tuple(v) if isinstance(v, list) else v) for c, op, v in ref["where"])
    return Measure(ref["relation"], ref["aggregate"], conditions)


def counted(definition: IndicatorDefinition) -> list[Measure]:
    """The measures resting on persons: the numerator, and the denominator unless it is the labour force."""
    return [m for m in (definition.numerator, definition.denominator)
            if m is not None and m.relation != "labour_force"]


def _carrier(definition: IndicatorDefinition, measure: Measure, code: str) -> IndicatorDefinition:
    """An implied measure dressed as an indicator, so the engine computes it in the same query as the others."""
    return replace(definition, code=code, numerator=measure, denominator=None)


# --- regions --------------------------------------------------------------------------------------------------


def regions() -> list[Region]:
    """Every employment area and every municipality that belongs to one (areas first, by code)."""
    from polku.reference.models import EmploymentArea, Municipality

    areas, codes = [], set()
    for area in EmploymentArea.objects.prefetch_related("memberships").order_by("code"):
        members = tuple((m.municipality_id, m.valid_from, m.valid_to) for m in area.memberships.all())
        codes |= {m for m, _, _ in members}
        areas.append(Region(region_code(area.code), {"fi": area.name_fi, "sv": area.name_sv or area.name_fi,
                                                     "en": area.name_en or area.name_fi}, "area", members))
    municipalities = [
        Region(region_code(m.code), {"fi": m.name_fi, "sv": m.name_sv or m.name_fi, "en": m.name_en or m.name_fi},
               "municipality", ((m.code, date.min, None),))
        for m in Municipality.objects.filter(code__in=codes).order_by("code")]
    return areas + municipalities


def published_months(today: date | None = None) -> list[date]:
    """From the month of the earliest status spell to the last whole month (the current one is not over)."""
    from django.db.models import Min

    from polku.timeline.models import StatusSpell

    today = today or timezone.localdate()
    last = month_start(month_start(today) - timedelta(days=1))
    first = StatusSpell.objects.current().aggregate(first=Min("start_date"))["first"]
    if first is None:
        return []
    return list(iter_months(max(month_start(first), FIRST_MONTH), last)) if month_start(first) <= last else []


def table_months(table: OpenTable, today: date | None = None) -> list[date]:
    """The months a table publishes: a table of paid euros ends at the latest month Kela has paid (a month without
    payments yet is not a month of zero euros)."""
    months = published_months(today)
    if table.paid_benefits:
        latest = latest_benefit_month()
        months = [m for m in months if latest is not None and m <= month_start(latest)]
    return months


# --- the cube -------------------------------------------------------------------------------------------------


def build(table: OpenTable, *, months: list[date] | None = None, backend: SqlBackend | None = None,
          region_list: list[Region] | None = None) -> Cube:
    """Compute and suppress a whole table from the database (or ``backend``)."""
    from polku.kpi.selectors import measured_in_parts, reference_moment

    book = shipped_definitions()
    definitions = {code: book.get(code) for code in table.indicators}
    months = table_months(table) if months is None else months
    region_list = regions() if region_list is None else region_list
    municipalities = sorted({m for r in region_list for m, _, _ in r.members})
    implied = implied_measures(table, definitions)
    carriers = [_carrier(next(iter(definitions.values())), m, f"_implied_{i}") for i, m in enumerate(implied)]
    measure_table: MeasureTable = {}
    if months and municipalities:
        request = Request((*definitions.values(), *carriers), tuple(months), reference_moment(None)[0],
                          tuple(municipalities))
        # Every municipality: a national computation, in parts on PostgreSQL (the build runs as a job, outside a
        # transaction).
        measure_table = backend.measure_table(request) if backend else measured_in_parts(request)
    return assemble_cube(table, definitions, implied, measure_table, months, region_list)


def implied_measures(table: OpenTable, definitions: dict[str, IndicatorDefinition]) -> list[Measure]:
    known = {m.key for d in definitions.values() for m in counted(d)}
    implied: dict[str, Measure] = {}
    for identity in table.identities:
        for ref in (identity.total, *identity.parts):
            measure = _measure(ref, definitions)
            if measure.key not in known:
                implied.setdefault(measure.key, measure)
    return list(implied.values())


def assemble_cube(table: OpenTable, definitions: dict[str, IndicatorDefinition], implied: list[Measure],  # noqa: PLR0917
                  measure_table: MeasureTable, months: list[date], region_list: list[Region]) -> Cube:
    """Pure: values by the KPI engine's ``assemble``, then one suppression pattern for the whole table."""
    scopes: dict[str, Callable[[date], set[str]]] = {r.code: r.members_on for r in region_list}
    in_force = {(r.code, month) for r in region_list for month in months if r.members_on(month)}
    measures = {m.key: m for d in definitions.values() for m in counted(d)} | {m.key: m for m in implied}
    sizes = cell_sizes(measure_table, list(measures), months, scopes)
    threshold = max((d.suppression_threshold for d in definitions.values()), default=suppression.SMALL_CELL_K)
    groups = cell_groups(table, definitions, list(measures), months, region_list)
    hidden = suppress(sizes, groups, threshold)

    values: dict[tuple[str, date, str], Decimal | None] = {}
    statuses: dict[tuple[str, date, str], str] = {}
    by_period = {f"{m:%Y-%m}": m for m in months}
    for code, definition in definitions.items():
        for v in assemble(definition, measure_table, months, scopes, groups=(NO_GROUP,)) if months else []:
            month = by_period[v.period]
            key = (v.scope, month, code)
            if (v.scope, month) not in in_force:
                values[key], statuses[key] = None, NOT_AVAILABLE
            elif any((m.key, v.scope, month) in hidden for m in counted(definition)):
                values[key], statuses[key] = None, CONFIDENTIAL
            elif v.value is None:
                values[key], statuses[key] = None, NOT_AVAILABLE
            else:
                values[key] = v.value
    indicators = tuple(Indicator(code, {lang: text_in(d.name, lang) for lang in LANGUAGES}, d.unit,
                                 decimals_of(d), d.verified, d.source) for code, d in definitions.items())
    return Cube(table, tuple(region_list), tuple(months), indicators, values, statuses, threshold, timezone.now())


def decimals_of(definition: IndicatorDefinition) -> int:
    """Decimals a month's figure carries: counts of persons are whole, rates one decimal, euros two."""
    if definition.unit in ("persons", "count") and definition.denominator is None:
        return 0
    return max(0, -PRECISION[definition.unit].as_tuple().exponent)  # type: ignore[operator]


def cell_sizes(measure_table: MeasureTable, measure_keys: list[str], months: list[date],
               scopes: dict[str, Callable[[date], set[str]]]) -> dict[CellKey, int]:
    """Persons behind each measure cell: a region's are its members' on that month (as the engine sums them)."""
    by_cell: dict[tuple[str, date, str], int] = defaultdict(int)
    for (key, month, municipality, _group), (_value, contributors) in measure_table.items():
        by_cell[(key, month, municipality)] += contributors
    sizes: dict[CellKey, int] = {}
    for key in measure_keys:
        for region, members_on in scopes.items():
            for month in months:
                sizes[(key, region, month)] = sum(by_cell.get((key, month, m), 0) for m in members_on(month))
    return sizes


def cell_groups(table: OpenTable, definitions: dict[str, IndicatorDefinition], measure_keys: list[str],
                months: list[date], region_list: list[Region]) -> list[suppression.Group]:
    """Every sum a reader can form: an area's municipalities per measure and month, and each identity per region
    and month. A municipality outside every area is its own total (no group)."""
    by_code = {r.code: r for r in region_list}
    groups = []
    for area in (r for r in region_list if r.kind == "area"):
        for month in months:
            members = sorted(region_code(m) for m in area.members_on(month))
            members = [m for m in members if m in by_code]
            if not members:
                continue
            groups += [suppression.group([(key, m, month) for m in members], (key, area.code, month))
                       for key in measure_keys]
    for identity in table.identities:
        total, parts = identity_keys(identity, definitions)
        for region in region_list:
            for month in months:
                groups.append(suppression.group([(p, region.code, month) for p in parts], (total, region.code, month)))
    return groups


def identity_keys(identity: Identity, definitions: dict[str, IndicatorDefinition]) -> tuple[str, list[str]]:
    return _measure(identity.total, definitions).key, [_measure(p, definitions).key for p in identity.parts]


def suppress(sizes: dict[CellKey, int], groups: list[suppression.Group], threshold: int) -> set[Any]:
    """Primary (1 … k−1 persons) and complementary suppression over the whole table; checked before it is used."""
    primary = suppression.primary_small(sizes, threshold)
    hidden: set[Hashable] = suppression.complement(sizes, primary, groups)
    left = suppression.check(hidden, groups)
    if left:  # pragma: no cover - complement() guarantees this; a table is never published otherwise
        raise AssertionError(f"suppression left {len(left)} derivable groups")
    return hidden


# --- storage --------------------------------------------------------------------------------------------------


def pack(cube: Cube) -> bytes:
    """The cube as compressed JSON (what the worker stores): figures as exact decimal text, dates as ISO text."""
    region_index = {r.code: n for n, r in enumerate(cube.regions)}
    month_index = {m: n for n, m in enumerate(cube.months)}
    indicator_index = {i.code: n for n, i in enumerate(cube.indicators)}
    document = {
        "table": cube.table.id,
        "regions": [[r.code, r.labels, r.kind, [[m, s.isoformat(), e.isoformat() if e else None] for m, s, e in r.members]]
                    for r in cube.regions],
        "months": [m.isoformat() for m in cube.months],
        "indicators": [[i.code, i.labels, i.unit, i.decimals, i.verified, i.source] for i in cube.indicators],
        "cells": [[region_index[r], month_index[m], indicator_index[i], None if v is None else str(v),
                   cube.statuses.get((r, m, i))] for (r, m, i), v in cube.values.items()],
        "threshold": cube.threshold,
        "computed_at": cube.computed_at.isoformat(),
    }
    return zlib.compress(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack(data: bytes) -> Cube:
    """The cube :func:`pack` stored, equal to the one packed (the collector paused meanwhile: tens of thousands of
    small objects would otherwise set off full collections of a large process, several times the decoding)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _unpack(data)
    finally:
        if paused:
            gc.enable()


def _unpack(data: bytes) -> Cube:
    document = json.loads(zlib.decompress(data))
    regions = tuple(Region(code, labels, kind, tuple((m, date.fromisoformat(s), date.fromisoformat(e) if e else None)
                                                     for m, s, e in members))
                    for code, labels, kind, members in document["regions"])
    months = tuple(date.fromisoformat(m) for m in document["months"])
    indicators = tuple(Indicator(code, labels, unit, decimals, verified, source)
                       for code, labels, unit, decimals, verified, source in document["indicators"])
    values: dict[tuple[str, date, str], Decimal | None] = {}
    statuses: dict[tuple[str, date, str], str] = {}
    codes, codes_i = [r.code for r in regions], [i.code for i in indicators]
    for r, m, i, value, status in document["cells"]:
        key = (codes[r], months[m], codes_i[i])
        values[key] = None if value is None else Decimal(value)
        if status is not None:
            statuses[key] = status
    return Cube(BY_ID[document["table"]], regions, months, indicators, values, statuses, document["threshold"],
                datetime.fromisoformat(document["computed_at"]))
