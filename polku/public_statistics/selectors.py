"""Reads of imported official statistics, shaped for comparisons such as the KPI table's reference municipalities.

Areas are asked for as municipality numbers (``765``) or PxWeb area codes (``SSS`` for the whole country,
``MK18`` for a region); results are keyed by the code as asked. In a series a month that was never imported is
absent, while a month the table has no figure for (missing or confidential) is present with ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q

from polku.core.errors import ErrorCode, ValidationFailed
from polku.public_statistics import tables
from polku.public_statistics.models import PublicStatistic

Series = dict[date, Decimal | None]

UNEMPLOYED, LABOUR_FORCE = "TYOTTOMATLOPUSSA", "TYOVOIMATK"


def table_for(variable: str, table: str | None = None) -> tables.TableSpec:
    """The table to read ``variable`` from: ``table`` if given, else the first table that has it (see ``TABLES``)."""
    candidates = list(tables.TABLES.values()) if table is None else [tables.table_spec(table)]
    spec = next((s for s in candidates if variable in s.variables), None)
    if spec is None:
        where = f"taulussa {table}" if table else "tunnetuissa tauluissa"
        raise ValidationFailed.single("variable", ErrorCode.UNKNOWN, f"Tietoa {variable!r} ei ole {where}.")
    return spec


def monthly_series(*, variable: str, municipality_codes: Iterable[str], first_month: date, last_month: date,
                   table: str | None = None, breakdown: str | None = None) -> dict[str, Series]:
    """``{code as asked: {first day of month: value}}`` for the months from ``first_month`` to ``last_month``.

    ``breakdown`` None means the table's totals (``Sukupuoli=SSS;Ikäryhmät=SSS`` in 12u4, ``""`` in 12r5).
    """
    spec = table_for(variable, table)
    asked = {tables.region_code(code): code for code in municipality_codes}
    result: dict[str, Series] = {code: {} for code in asked.values()}
    cells = PublicStatistic.objects.filter(
        table=spec.code, variable=variable, breakdown=spec.total_breakdown if breakdown is None else breakdown,
        region_code__in=asked, month__range=(first_month.replace(day=1), last_month),
    ).order_by("month").values_list("region_code", "month", "value")
    for region, month, value in cells:
        result[asked[region]][month] = value
    return result


def month_values(*, variable: str, municipality_codes: Iterable[str], month: date, table: str | None = None,
                 breakdown: str | None = None) -> dict[str, Decimal | None]:
    """One month's figure per area (None where there is none): a column of a comparison table."""
    series = monthly_series(variable=variable, municipality_codes=municipality_codes, first_month=month,
                            last_month=month, table=table, breakdown=breakdown)
    return {code: values.get(month.replace(day=1)) for code, values in series.items()}


def latest_months(*, variable: str | None = None) -> dict[str, date]:
    """The latest imported month of each table (of those holding ``variable``, if given), e.g. ``{"12r5": …}``."""
    cells = PublicStatistic.objects.all() if variable is None else PublicStatistic.objects.filter(variable=variable)
    rows = cells.values("table").annotate(latest=Max("month")).order_by("table")
    return {row["table"]: row["latest"] for row in rows}


def unemployment_rate_series(*, municipality_codes: Iterable[str], first_month: date,
                             last_month: date) -> dict[str, Series]:
    """Unemployed job seekers per labour force, % to one decimal (as Statistics Finland rounds it), from 12r5."""
    return percent_series(variable=UNEMPLOYED, per=LABOUR_FORCE, table="12r5", municipality_codes=municipality_codes,
                          first_month=first_month, last_month=last_month)


def percent_series(*, variable: str, per: str, table: str, municipality_codes: Iterable[str], first_month: date,
                   last_month: date) -> dict[str, Series]:
    """``variable`` per ``per`` × 100 of the same table, area and month, to one decimal (None without a divisor)."""
    codes = list(municipality_codes)
    part, whole = (monthly_series(variable=v, municipality_codes=codes, first_month=first_month,
                                  last_month=last_month, table=table) for v in (variable, per))
    return {code: {month: _percent(count, whole[code].get(month)) for month, count in part[code].items()}
            for code in part}


@dataclass(frozen=True)
class Provenance:
    """Where a set of imported figures came from: the files' own source texts, the latest import, and whether every
    figure is official statistics (the demo's example files are not)."""

    sources: tuple[str, ...]
    imported_at: datetime | None
    official: bool


def provenance(*, table: str, variables: Iterable[str], municipality_codes: Iterable[str], first_month: date,
               last_month: date) -> Provenance:
    cells = PublicStatistic.objects.filter(
        table=table, variable__in=list(variables), month__range=(first_month.replace(day=1), last_month),
        region_code__in=[tables.region_code(code) for code in municipality_codes])
    sources = tuple(sorted(set(cells.values_list("source", flat=True))))
    summary = cells.aggregate(latest=Max("imported_at"), unofficial=Count("pk", filter=Q(official=False)))
    return Provenance(sources, summary["latest"], not summary["unofficial"])


def _percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
