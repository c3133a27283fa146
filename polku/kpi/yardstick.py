"""The yardstick: a municipality ranked among similar municipalities on Statistics Finland's published rates, each
with an honest band.

Similar means, unless the comparison file names a set or the reader picks one: the municipalities we hold published
figures for whose labour force is closest in size (a ratio, so a town of 4 000 is compared with towns, not cities),
the same region first on a tie. The published rates are counts from the register, not sample estimates; the band
says how far a rate on that many people moves by chance from month to month (a 95 % Wilson score interval on the
rate's own count and base), so a small municipality's rate is shown with the wide band it has, and two
municipalities whose bands overlap are not clearly different. The unemployed share's base, the labour force, is
itself a figure about two years old: the page says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from polku.kpi import comparison
from polku.public_statistics import selectors as public
from polku.public_statistics.tables import municipality_of
from polku.reference.models import Municipality

Z95 = 1.959964  # the normal quantile of a two-sided 95 % interval
GROUP_SIZE = 6


@dataclass(frozen=True)
class Measure:
    """A published rate as count / base × 100, from one table's variables (``base_plus``: the base is the count plus
    this variable, as in the activation rate)."""

    indicator: str
    table: str
    count: str
    base: str | None = None
    base_plus: str | None = None


MEASURES = {
    "unemployed_share_of_labour_force": Measure("unemployed_share_of_labour_force", "12r5", "TYOTTOMATLOPUSSA",
                                                base="TYOVOIMATK"),
    "activation_rate": Measure("activation_rate", "12u4", "PALVELUISSAYHTEENSA", base_plus="TYOTTOMATLOPUSSA"),
}


def wilson(count: float, base: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion count / base (as fractions)."""
    if base <= 0:
        return (0.0, 1.0)
    p = count / base
    centre = (p + z * z / (2 * base)) / (1 + z * z / base)
    half = z * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base)) / (1 + z * z / base)
    # At p = 0 or 1 the bound is exactly 0 or 1 (floating point may miss it by an ulp).
    low = 0.0 if count <= 0 else max(0.0, centre - half)
    high = 1.0 if count >= base else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True)
class Standing:
    code: str
    name: str
    rate: Decimal | None  # per cent
    low: Decimal | None
    high: Decimal | None
    count: int | None
    base: int | None
    own: bool
    rank: int | None = None


def _percent(value: float) -> Decimal:
    return Decimal(str(round(value * 100, 1)))


def standings(indicator: str, municipality: str, members: list[str], month: date) -> list[Standing]:
    """The municipality and its group in the month, ranked by the rate (highest first; no figure last)."""
    measure = MEASURES[indicator]
    codes = [municipality, *[m for m in members if m != municipality]]
    counts = public.month_values(variable=measure.count, municipality_codes=codes, month=month, table=measure.table)
    other = measure.base or measure.base_plus or ""
    bases = public.month_values(variable=other, municipality_codes=codes, month=month, table=measure.table)
    names = dict(Municipality.objects.filter(code__in=codes).values_list("code", "name_fi"))
    found = []
    for code in codes:
        count, base = counts.get(code), bases.get(code)
        if count is not None and base is not None and measure.base_plus:
            base = base + count
        if count is None or base is None or base <= 0:
            found.append(Standing(code, names.get(code, code), None, None, None, None, None, code == municipality))
            continue
        low, high = wilson(float(count), float(base))
        found.append(Standing(code, names.get(code, code), _percent(float(count) / float(base)), _percent(low),
                              _percent(high), int(count), int(base), code == municipality))
    ranked = sorted(found, key=lambda s: (s.rate is None, -(s.rate or 0), s.name))
    return [Standing(**{**s.__dict__, "rank": i + 1 if s.rate is not None else None}) for i, s in enumerate(ranked)]


def suggested_group(municipality: str, month: date, size: int = GROUP_SIZE) -> comparison.ReferenceSet:
    """The configured set of the comparison file, else the municipalities nearest in labour force (same region
    first on a tie) among those we hold published figures for in the month."""
    configured = comparison.comparison_book()["sets"].get(municipality)
    if configured is not None:
        return comparison.reference_set(municipality)
    labour = {code: value for code, value in public.month_values(
        variable="TYOVOIMATK", municipality_codes=list(_held(month)), month=month, table="12r5").items()
        if value}
    own = labour.get(municipality)
    if own is None:
        return comparison.reference_set(municipality)  # no size to go by: the region's municipalities
    regions = dict(Municipality.objects.filter(code__in=list(labour)).values_list("code", "region"))
    region = regions.get(municipality)
    nearest = sorted((code for code in labour if code != municipality),
                     key=lambda code: (abs(math.log(float(labour[code]) / float(own))), regions.get(code) != region,
                                       code))[:size]
    return comparison.ReferenceSet(municipality, tuple(nearest), "", "size")


def _held(month: date) -> set[str]:
    from polku.public_statistics.models import PublicStatistic

    regions = PublicStatistic.objects.filter(table="12r5", variable="TYOVOIMATK", month=month).values_list(
        "region_code", flat=True)
    return {code for region in regions if (code := municipality_of(region)) is not None}


def latest_month() -> date | None:
    months = public.latest_months(variable="TYOVOIMATK")
    return months.get("12r5")
