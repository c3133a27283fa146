"""An indicator page's figures, computed by the worker: the page shows them and never waits for the engine.

An indicator over a whole area's history can take the engine tens of seconds on the SQLite demo (the municipal share
over every benefit month of the area); the page asked for it and waited. Now the page asks :func:`fetch` with the
reader's checked choices: values for exactly those choices and the facts as they are now are shown at once;
otherwise the job is queued, and the page shows the latest values for the same choices (saying when they were
computed) or, the first time, a progress bar. A download (CSV, Excel) and the API may wait, and compute there and
then (``presenters.user_payload``).

The job computes the values only (codes and numbers, the same in every language); the page names them for its reader.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from polku.core import precomputed
from polku.core.errors import ValidationFailed
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import IndicatorValue
from polku.kpi.selectors import figures_generation, scope_for, shown_values

INDICATOR_VALUES = "kpi-indicator-values"
RESULT_SECONDS = 600  # as long as the page's figures were kept before: hand-recorded decisions move no generation


def in_background() -> bool:
    """Whether the page's figures come from the worker; ``POLKU_KPI_PAGE_WORKER = False`` computes them where they
    are asked for (tests of the figures themselves, which have no worker)."""
    return bool(settings.POLKU_KPI_PAGE_WORKER)


def values_request(arguments: dict[str, Any]) -> dict[str, Any]:
    """The keys of the values for ``arguments`` (``presenters.figures_arguments``: checked choices) for
    :func:`polku.core.precomputed.fetch`. Values up to today are keyed by the facts' generation (a fact written
    makes them not current: the page shows them as older while new ones are computed); values as of a past month
    never change."""
    definition = shipped_definitions().get(arguments["indicator"])  # refused when removed since (the refresh)
    scope = hashlib.sha256(repr((definition.version, sorted(arguments.items()))).encode()).hexdigest()
    # Current values also depend on the day (this month's calculation day), as of a past month on nothing more.
    generation = "" if arguments["as_of"] is not None else f"{timezone.localdate()}|{figures_generation([definition])}"
    return {"inputs": f"{scope}|{generation}", "scope": scope, "arguments": arguments}


def _asked_again(arguments: dict[str, Any]) -> dict[str, Any] | None:
    """After a data change: the same values, asked for now (an indicator, area or municipality since removed is not
    asked again; a page checks its choices before it asks)."""
    try:
        scope_for(arguments["scope"])
        return values_request(arguments)
    except ValidationFailed:
        return None


def _month(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@precomputed.computation(INDICATOR_VALUES, seconds=RESULT_SECONDS, request=_asked_again)
def values_job(*, indicator: str, scope: str, first_month: str, last_month: str, by_year: bool,
               dimension: str | None, as_of: str | None, suppress: bool) -> list[IndicatorValue]:
    """The job's body: the values as the reader is shown them (small cells suppressed when ``suppress``)."""
    return shown_values(shipped_definitions().get(indicator), scope_for(scope), date.fromisoformat(first_month),
                        date.fromisoformat(last_month), dimension=dimension, as_of=_month(as_of), by_year=by_year,
                        suppress=suppress)


def fetch(arguments: dict[str, Any], *, retry: bool = False, waiting: bool = True) -> precomputed.Precomputed:
    """What the page shows now for the checked choices (see :class:`polku.core.precomputed.Precomputed`);
    ``waiting``: a reader waits for the values (the indicator page's progress bar), else they are queued as
    background work (a start page's glance)."""
    return precomputed.fetch(INDICATOR_VALUES, **values_request(arguments), retry=retry,
                             priority=None if waiting else precomputed.REFRESH_PRIORITY)
