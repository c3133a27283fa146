"""A programme's indicators computed for its years in one pass, and its progress rows for a year.

All the programme's indicators share one measure table (one stock query, one events query), and the
result is cached for ten minutes (or for good when "as of" a past month: those figures never change).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from polku.core.calendar import iter_months, month_start
from polku.kpi.definitions import IndicatorDefinition, shipped_definitions
from polku.kpi.engine import NO_GROUP, IndicatorValue, Request, assemble
from polku.kpi.models import Programme
from polku.kpi.programme import Progress, programme_progress
from polku.kpi.selectors import Scope, database_backend, reference_moment, scope_for

CACHE_SECONDS = 600


def _years_key(definitions: list[IndicatorDefinition], scope: Scope, first_year: int, last_year: int, *,
               as_of: date | None, suppress: bool, through: date | None = None) -> str:
    through_part = "" if through is None else f":{through}"  # the keys of figures up to today stay as they were
    return "kpi:years:" + hashlib.sha256(
        f"{scope.code}:{first_year}:{last_year}:{as_of}:{suppress}:{[(d.code, d.version) for d in definitions]}"
        f"{through_part}".encode(),
    ).hexdigest()


def yearly_values(definitions: list[IndicatorDefinition], scope: Scope, first_year: int, last_year: int, *,
                  as_of: date | None = None, suppress: bool = False,
                  through: date | None = None) -> dict[str, list[IndicatorValue]]:
    """Each indicator's value per year (from its months up to today or ``as_of``, and up to the month ``through``
    when given: a monthly report's year to date) for one scope."""
    key = _years_key(definitions, scope, first_year, last_year, as_of=as_of, suppress=suppress, through=through)
    if (cached := cache.get(key)) is not None:
        return dict(cached)
    horizon, known_at = reference_moment(as_of)
    last = min(date(last_year, 12, 1), month_start(horizon))
    if through is not None:
        last = min(last, month_start(through))
    months = tuple(iter_months(date(first_year, 1, 1), last))
    request = Request(tuple(definitions), months, horizon, scope.municipality_codes, None, known_at)
    table = database_backend().measure_table(request)
    result = {d.code: assemble(d, table, list(months), {scope.code: scope.members_on}, groups=(NO_GROUP,),
                               by_year=True, suppress=suppress) for d in definitions}
    cache.set(key, result, None if as_of is not None else CACHE_SECONDS)
    return result


@dataclass(frozen=True)
class ProgressRow:
    progress: Progress
    series: list[IndicatorValue]  # the indicator's yearly values from the baseline year

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self.progress)
        data.update({k: None if v is None else str(v) for k, v in data.items() if isinstance(v, Decimal)})
        data["responsible"] = list(self.progress.responsible)
        data["series"] = [v.as_dict() for v in self.series]
        return data


def _programme_definitions(programme: Programme) -> tuple[Scope, int, list[IndicatorDefinition]]:
    document = programme.document
    codes = sorted({i["indicator"] for p in document["promises"] for g in p["goals"] for i in g.get("indicators", [])
                    if i.get("indicator")})
    return (scope_for(str(programme.scope)), int(document["baseline_year"]),
            [shipped_definitions().get(c) for c in codes])


def progress_for(programme: Programme, year: int, *, as_of: date | None = None, suppress: bool = False,
                 through: date | None = None) -> list[ProgressRow]:
    scope, first_year, definitions = _programme_definitions(programme)
    values = yearly_values(definitions, scope, first_year, year, as_of=as_of, suppress=suppress, through=through)
    actuals = {}
    for code, series in values.items():
        this_year = [v for v in series if v.period == str(year)]
        actuals[code] = this_year[0].value if this_year else None
    return [ProgressRow(p, values.get(p.indicator or "", []))
            for p in programme_progress(programme.document, actuals, year)]


def cached_progress(programme: Programme, year: int, *, suppress: bool = False) -> list[ProgressRow] | None:
    """``progress_for`` (today's figures) if the programme page has computed them lately, else None: a start page
    shows the programme's standing without ever running the engine."""
    scope, first_year, definitions = _programme_definitions(programme)
    if cache.get(_years_key(definitions, scope, first_year, year, as_of=None, suppress=suppress)) is None:
        return None
    return progress_for(programme, year, suppress=suppress)
