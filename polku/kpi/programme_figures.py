"""A programme's indicators computed for its years in one pass, and its progress rows for a year.

All the programme's indicators share one measure table (one stock query, one events query), and the
result is cached for ten minutes (or for good when "as of" a past month: those figures never change).

An area's programme reads years of facts (from seconds to tens of seconds), so its page never computes them: the
worker does (``polku.core.precomputed``, the computation ``programme-years``), and the page shows the latest figures
with the time they were computed; after facts are written (or an hour) the next reader's visit queues them again
while the previous figures stay on the page. The start pages only peek at what the worker has computed.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from polku.core import precomputed
from polku.core.calendar import iter_months, month_start
from polku.kpi.definitions import IndicatorDefinition, shipped_definitions
from polku.kpi.engine import NO_GROUP, IndicatorValue, Request, assemble
from polku.kpi.models import Programme
from polku.kpi.programme import Progress, programme_progress
from polku.kpi.selectors import Scope, database_backend, figures_generation, reference_moment, scope_for

CACHE_SECONDS = 600
PROGRAMME_YEARS = "programme-years"


def _years_key(definitions: list[IndicatorDefinition], scope: Scope, first_year: int, last_year: int, *,
               as_of: date | None, suppress: bool, through: date | None = None) -> str:
    through_part = "" if through is None else f":{through}"  # the keys of figures up to today stay as they were
    return "kpi:years:" + hashlib.sha256(
        f"{scope.code}:{first_year}:{last_year}:{as_of}:{suppress}:{[(d.code, d.version) for d in definitions]}"
        f"{through_part}".encode(),
    ).hexdigest()


def yearly_values(definitions: list[IndicatorDefinition], scope: Scope, first_year: int, last_year: int, *,
                  as_of: date | None = None, suppress: bool = False, through: date | None = None,
                  cached: bool = True) -> dict[str, list[IndicatorValue]]:
    """Each indicator's value per year (from its months up to today or ``as_of``, and up to the month ``through``
    when given: a monthly report's year to date) for one scope; ``cached=False`` computes them anew (the worker,
    whose result is stamped with the time it computed them)."""
    key = _years_key(definitions, scope, first_year, last_year, as_of=as_of, suppress=suppress, through=through)
    if cached and (found := cache.get(key)) is not None:
        return dict(found)
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
    return _progress_rows(programme, year, values)


def _progress_rows(programme: Programme, year: int, values: dict[str, list[IndicatorValue]]) -> list[ProgressRow]:
    actuals = {}
    for code, series in values.items():
        this_year = [v for v in series if v.period == str(year)]
        actuals[code] = this_year[0].value if this_year else None
    return [ProgressRow(p, values.get(p.indicator or "", []))
            for p in programme_progress(programme.document, actuals, year)]


def years_request(programme: Programme, year: int, *, as_of: date | None, suppress: bool) -> dict[str, Any]:
    """The keys and arguments of a programme's yearly figures (for :func:`polku.core.precomputed.fetch`). Figures up
    to today are keyed by the facts' generation (any fact written makes them not current; the page shows them, said
    to be older, while new ones are computed); figures "as of" a past month never change."""
    scope, first_year, definitions = _programme_definitions(programme)
    key = _years_key(definitions, scope, first_year, year, as_of=as_of, suppress=suppress)
    generation = "" if as_of is not None else figures_generation(definitions)
    return {"inputs": f"{key}|{generation}", "scope": key,
            "arguments": {"programme": programme.code, "last_year": year,
                          "as_of": None if as_of is None else as_of.isoformat(), "suppress": suppress}}


def _asked_again(arguments: dict[str, Any]) -> dict[str, Any] | None:
    """After a data change: the same figures, asked for now (a programme since removed is not asked again)."""
    programme = Programme.objects.filter(code=arguments["programme"]).first()
    if programme is None:
        return None
    as_of = None if arguments["as_of"] is None else date.fromisoformat(arguments["as_of"])
    return years_request(programme, arguments["last_year"], as_of=as_of, suppress=arguments["suppress"])


# Decisions, assignments and the service catalogue, recorded by hand, do not change the facts' generation: figures
# up to today are computed again after an hour at the latest.
@precomputed.computation(PROGRAMME_YEARS, seconds=3600, request=_asked_again)
def years_job(*, programme: str, last_year: int, as_of: str | None, suppress: bool) -> dict[str, list[IndicatorValue]]:
    """The job's body: each indicator's yearly values for the programme's scope, from the facts as they are now."""
    scope, first_year, definitions = _programme_definitions(Programme.objects.get(code=programme))
    # Figures as of a past month never change: those kept by ``yearly_values`` serve again (after this result's hour).
    return yearly_values(definitions, scope, first_year, last_year,
                         as_of=None if as_of is None else date.fromisoformat(as_of), suppress=suppress,
                         cached=as_of is not None)


@dataclass(frozen=True)
class ProgrammeFigures:
    """What the programme page shows now: the rows (empty until a first result exists) and where the worker is."""

    rows: list[ProgressRow]
    result: precomputed.Precomputed


def programme_figures(programme: Programme, year: int, *, as_of: date | None = None, suppress: bool = False,
                      retry: bool = False) -> ProgrammeFigures:
    """The progress rows from the worker's latest figures; the figures are queued when not current."""
    result = precomputed.fetch(PROGRAMME_YEARS, **years_request(programme, year, as_of=as_of, suppress=suppress),
                               retry=retry)
    rows = _progress_rows(programme, year, result.value) if result.ready else []
    return ProgrammeFigures(rows, result)


def cached_progress(programme: Programme, year: int, *,
                    suppress: bool = False) -> tuple[list[ProgressRow], datetime] | None:
    """Today's progress rows and when their figures were computed, if the worker has computed them (the latest,
    however old: the reader is told when), else None: a start page shows the programme's standing without ever
    running the engine or queueing it."""
    asked = years_request(programme, year, as_of=None, suppress=suppress)
    found = precomputed.peek(PROGRAMME_YEARS, inputs=asked["inputs"], scope=asked["scope"])
    return None if found is None else (_progress_rows(programme, year, found[0]), found[1])
