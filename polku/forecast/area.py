"""An area's forecast inputs, read once and cached: the history, the fitted duration model, the computed municipal
share of the last years and the € mapping calibrated on it, and the backtest.

Reading the history and running the share engine take seconds for an employment area; everything after that (a
projection, a scenario, the impact estimate) is computed from these in well under a second, so the page, the API and
the command share this one cache (an hour per area and day; the CLI reads afresh).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache

from polku.core import precomputed
from polku.core.calendar import add_months
from polku.derived.calendar import calculation_day
from polku.forecast.backtest import Backtest, backtest
from polku.forecast.bands import shipped_calibration
from polku.forecast.duration import DurationModel, fit
from polku.forecast.history import History, area_history
from polku.forecast.share_euros import ShareEuros, ShareHistory, area_share_history, calibrate
from polku.municipal_share.services import current_rule_book

HISTORY_YEARS = 6
# An area's fitted model, backtest and projections are kept a day (the model is fitted to the history up to the
# reference day, so a new day fits anew); an import drops them with every cached figure, a refit moves the area's
# generation on. The worker fits them (AREA_MODEL below): a page never waits for a fit.
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class AreaForecast:
    codes: tuple[str, ...]
    history: History
    model: DurationModel
    share: ShareHistory
    book: Any  # the municipal-share rule book in force (confirmations applied)
    euros: ShareEuros


def read_area(codes: tuple[str, ...] | set[str], to: date) -> AreaForecast:
    """Read and fit afresh (no cache): the history from January six years back to ``to``."""
    municipalities = set(codes)
    history = area_history(municipalities, date(to.year - HISTORY_YEARS, 1, 1), to)
    model = fit(history)
    share, book = area_share_history(history, municipalities)
    return AreaForecast(codes=tuple(sorted(municipalities)), history=history, model=model, share=share, book=book,
                        euros=calibrate(share, book, last_month=to.replace(day=1)))


_IN_PROCESS: OrderedDict[str, tuple[float, Any]] = OrderedDict()
IN_PROCESS_ITEMS = 8
_LOCK = threading.Lock()


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` cached for an hour: in this process first (an area's history is megabytes, and unpickling it
    from the shared cache on every request cost as much as the projection itself), then in Django's cache."""
    now = time.monotonic()
    with _LOCK:  # threaded servers: another request may evict the key between the lookup and the reordering
        hit = _IN_PROCESS.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS and cache.has_key(key):  # cleared there: cleared here
            _IN_PROCESS.move_to_end(key)
            return hit[1]
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    with _LOCK:
        _IN_PROCESS[key] = (now, found)
        while len(_IN_PROCESS) > IN_PROCESS_ITEMS:
            _IN_PROCESS.popitem(last=False)
    return found


def clear_in_process() -> None:
    """Forget the in-process copies (tests clear Django's cache and this together)."""
    with _LOCK:
        _IN_PROCESS.clear()


def area_key(codes: tuple[str, ...]) -> str:
    """The area's municipalities and its fit generation, for cache keys: a refit on demand (``forget_area``) moves
    the generation on, so every cached history, model, backtest and projection of the area is computed afresh."""
    return f"{','.join(codes)}#{cache.get(_generation_key(codes), 0)}"


def forget_area(codes: tuple[str, ...]) -> None:
    key = _generation_key(codes)
    try:
        cache.incr(key)
    except ValueError:  # no generation yet
        cache.set(key, 1, None)


def _generation_key(codes: tuple[str, ...]) -> str:
    return f"forecast-generation:{','.join(codes)}"


def rules_key() -> str:
    """The rule book in force (rule files and confirmations) and the band calibration as part of every cache key:
    the euros, their "unverified" marks and their bands change with them."""
    bands = shipped_calibration()
    return f"{current_rule_book().fingerprint()}:{bands.version if bands else 'raw'}"


def area_forecast(codes: tuple[str, ...], to: date) -> AreaForecast:
    """``read_area``, cached for an hour per area and day."""
    return cached(f"forecast-area:{area_key(codes)}:{to.isoformat()}:{rules_key()}", lambda: read_area(codes, to))


def model_for(codes: tuple[str, ...], to: date) -> DurationModel:
    return area_forecast(codes, to).model


def backtest_cutoff(to: date, months: int = 12) -> date:
    return calculation_day(add_months(to.replace(day=1), -months))


def area_backtest(area: AreaForecast, cutoff: date, *, horizon: int = 12, paths: int = 500, seed: int = 1) -> Backtest:
    return backtest(area.history, cutoff, horizon=horizon, paths=paths, seed=seed, share=area.share, book=area.book,
                    bands=shipped_calibration())


def backtest_for(codes: tuple[str, ...], to: date) -> Backtest:
    """The area's 12-month backtest a year back from ``to``, unemployed and municipal € (cached like the model)."""
    return cached(f"forecast-backtest:{area_key(codes)}:{to.isoformat()}:{rules_key()}",
                  lambda: area_backtest(area_forecast(codes, to), backtest_cutoff(to)))


def area_profiles(area: AreaForecast, to: date, follow_up: int) -> Any:
    """The impact estimate's participant and comparison profiles (cached with the area)."""
    from polku.forecast.impact import comparison_profiles

    return cached(f"forecast-profiles:{area_key(area.codes)}:{to.isoformat()}:{follow_up}",
                  lambda: comparison_profiles(area.history, follow_up=follow_up))


def area_impact(area: AreaForecast, to: date, parameters: Any, *, only: str) -> Any:
    """The impact estimate for these parameters (cached with the area: each is seconds of bootstrap draws)."""
    from polku.forecast.impact import FOLLOW_UP, estimate, rule_in_force

    asked = hashlib.sha256(repr((sorted(vars(parameters).items()), only)).encode()).hexdigest()[:24]
    return cached(f"forecast-impact:{area_key(area.codes)}:{to.isoformat()}:{rules_key()}:{asked}",
                  lambda: estimate(area_profiles(area, to, FOLLOW_UP), area.euros, rule_in_force(area.euros, to),
                                   parameters, only=only))


AREA_MODEL = "forecast-area"


def _asked_again(arguments: dict[str, Any]) -> dict[str, Any]:
    """After a data change: the same area and day, keyed by the area's fit generation and rules as they are now."""
    return _preparation(tuple(arguments["codes"]), date.fromisoformat(arguments["to"]))


@precomputed.computation(AREA_MODEL, seconds=CACHE_SECONDS - 15 * 60,  # never outlives the model it fitted
                         request=_asked_again)
def prepare_area(codes: list[str], to: str) -> int:
    """The job's body: fit the area's model, run its backtest and the impact estimate with the area's default
    parameters, kept in the cache for the pages (the number of unemployment runs fitted is returned, for the job's
    record)."""
    from polku.forecast.impact import ALL, Parameters

    area_codes, day = tuple(codes), date.fromisoformat(to)
    area = area_forecast(area_codes, day)
    backtest_for(area_codes, day)
    area_impact(area, day, Parameters.for_area(area_codes), only=ALL)
    return int(area.model.runs)


def _preparation(codes: tuple[str, ...], to: date) -> dict[str, Any]:
    return {"inputs": f"{area_key(codes)}|{to.isoformat()}|{rules_key()}", "scope": ",".join(codes),
            "arguments": {"codes": list(codes), "to": to.isoformat()}}


def area_preparation(codes: tuple[str, ...], to: date, *, retry: bool = False) -> precomputed.Precomputed:
    """Whether the area's model for ``to`` is fitted (``current``), and the job fitting it if not (``retry``: again
    now, after a failure)."""
    return precomputed.fetch(AREA_MODEL, **_preparation(codes, to), retry=retry)


def prepare_area_now(codes: tuple[str, ...], to: date) -> None:
    """Fit the area here and now, as the job would (commands, and tests that open the pages at once)."""
    precomputed.compute_now(AREA_MODEL, **_preparation(codes, to))
