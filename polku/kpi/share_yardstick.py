"""The municipal share per resident among similar municipalities: Kela's published figures, not Polku's own.

Kela publishes each municipality's share of the unemployment benefits monthly (imported with ``polku kela_statistics
import``); a year's share per resident is the twelve months ending at the newest month held, summed, over the
residents at the end of that year (or the newest year before it held; ``polku population import``). A municipality
with fewer than twelve months held, or no population, has no figure and is ranked last. Unlike the published rates of
:mod:`polku.kpi.yardstick` this is a sum of money, not a share of people, so there is no chance band to show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Sum

from polku.core.calendar import add_months
from polku.municipal_share.models import KelaStatistic
from polku.reference.models import Municipality, ResidentPopulation

CODE = "municipal_share_per_resident"
MONTHS = 12


@dataclass(frozen=True)
class EuroStanding:
    code: str
    name: str
    eur_per_resident: Decimal | None
    municipal_eur: Decimal | None
    residents: int | None
    residents_year: int | None
    own: bool
    rank: int | None = None


def latest_month() -> date | None:
    """The newest month of Kela's published figures held for any municipality (all benefits together)."""
    found: date | None = KelaStatistic.objects.filter(municipality__isnull=False, benefit_type="").aggregate(
        m=Max("month"))["m"]
    return found


def _residents(codes: list[str], year: int) -> dict[str, tuple[int, int]]:
    """Each municipality's residents at the end of ``year``, or of the newest year before it held."""
    found: dict[str, tuple[int, int]] = {}
    for code, held_year, residents in ResidentPopulation.objects.filter(
            municipality_id__in=codes, year__lte=year).order_by("municipality_id", "-year").values_list(
            "municipality_id", "year", "residents"):
        found.setdefault(code, (held_year, residents))
    return found


def standings(municipality: str, members: list[str], last_month: date) -> list[EuroStanding]:
    """The municipality and its group, ranked by the share per resident over the twelve months ending at
    ``last_month`` (highest first; no figure last)."""
    codes = [municipality, *[m for m in members if m != municipality]]
    first_month = add_months(last_month, -(MONTHS - 1))
    sums = {row["municipality_id"]: row for row in KelaStatistic.objects.filter(
        municipality_id__in=codes, benefit_type="", month__gte=first_month, month__lte=last_month,
        municipal_eur__isnull=False).values("municipality_id").annotate(total=Sum("municipal_eur"), n=Count("pk"))}
    residents = _residents(codes, last_month.year)
    names = dict(Municipality.objects.filter(code__in=codes).values_list("code", "name_fi"))
    found = []
    for code in codes:
        row, people = sums.get(code), residents.get(code)
        total = Decimal(row["total"]) if row is not None and row["n"] == MONTHS else None
        per = None if total is None or people is None or people[1] <= 0 else \
            (total / people[1]).quantize(Decimal("0.01"))
        found.append(EuroStanding(code, names.get(code, code), per, total, people[1] if people else None,
                                  people[0] if people else None, code == municipality))
    ranked = sorted(found, key=lambda s: (s.eur_per_resident is None, -(s.eur_per_resident or 0), s.name))
    return [replace(s, rank=i + 1 if s.eur_per_resident is not None else None) for i, s in enumerate(ranked)]


def example_figures_in(codes: list[str], last_month: date) -> bool:
    """Whether any figure of these municipalities' twelve months came from a file marked as example data."""
    return KelaStatistic.objects.filter(
        municipality_id__in=codes, benefit_type="", month__gte=add_months(last_month, -(MONTHS - 1)),
        month__lte=last_month, source_import__example=True).exists()
