"""A municipality's indicator beside Statistics Finland's published figures: its own official figure and those of its
reference municipalities (Mikkeli compares itself with reference municipalities).

What is compared with what is data (``data/comparison.json``, or the file the ``POLKU_COMPARISON_FILE`` setting
names): each indicator's public counterpart (a PxWeb table and ``Tiedot`` variable, or a ratio of two) and each
municipality's reference set with its reason; a municipality without a set gets the other municipalities of its
region, and the user may pick others. The published figures are aggregates anyone can read, so no small-cell
suppression applies to them; the municipality's own computed figure comes from the KPI engine as the user may see it.

Polku's own figure next to the official one is also a check of Polku's computation: a difference means different
facts (the simulated or recorded job seekers are not the register's) or a definition read differently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from polku.core.calendar import iter_months
from polku.core.errors import ErrorCode, FieldError, raise_if
from polku.core.languages import text_in
from polku.public_statistics import selectors as public
from polku.public_statistics.tables import table_spec
from polku.reference.models import Municipality

DATA_FILE = Path(__file__).resolve().parent / "data" / "comparison.json"
MAX_REFERENCES = 8


@dataclass(frozen=True)
class Counterpart:
    """The published figure that corresponds to an indicator: ``variable`` of ``table``, or ``variable`` per ``per``
    × 100 of the same table."""

    indicator: str
    table: str
    variable: str
    source: str
    per: str | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.variable,) if self.per is None else (self.variable, self.per)

    @property
    def url(self) -> str:
        return table_spec(self.table).url


@dataclass(frozen=True)
class ReferenceSet:
    """The municipalities a municipality is compared with, and why (the configured reason, the default rule, or
    the user's own choice)."""

    municipality: str
    members: tuple[str, ...]
    reason: str
    kind: str  # "configured", "default" or "chosen"


@cache
def _book(path: str) -> dict[str, Any]:
    """The comparison file; a configured reference set larger than the chart can draw is refused naming it."""
    with Path(path).open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    for code, configured in document.get("sets", {}).items():
        members = configured.get("municipalities", [])
        if len(members) > MAX_REFERENCES:
            raise ImproperlyConfigured(f"{path}: sets.{code}.municipalities has {len(members)} municipalities; "
                                       f"at most {MAX_REFERENCES}.")
    return document


def comparison_book() -> dict[str, Any]:
    return _book(getattr(settings, "POLKU_COMPARISON_FILE", None) or str(DATA_FILE))


def _localised(texts: dict[str, str]) -> str:
    return text_in(texts)


def counterpart_for(indicator: str) -> Counterpart | None:
    raw = comparison_book()["counterparts"].get(indicator)
    if raw is None:
        return None
    return Counterpart(indicator, raw["table"], raw["variable"], raw["source"], raw.get("per"))


def reference_set(municipality: str, chosen: list[str] | None = None) -> ReferenceSet:
    """The configured set, the default (same region), or ``chosen`` codes; unknown codes are refused by name."""
    book = comparison_book()
    if chosen:
        codes = [c.strip().zfill(3) for c in chosen if c.strip()]
        known = set(Municipality.objects.filter(code__in=codes).values_list("code", flat=True))
        errors = [FieldError("reference", ErrorCode.UNKNOWN, f"Tuntematon kuntanumero: {code}.")
                  for code in codes if code not in known]
        if len(codes) > MAX_REFERENCES:
            errors.append(FieldError("reference", ErrorCode.INVALID, f"Enintään {MAX_REFERENCES} vertailukuntaa."))
        raise_if(errors)
        members = tuple(dict.fromkeys(c for c in codes if c != municipality))
        return ReferenceSet(municipality, members, "", "chosen")
    configured = book["sets"].get(municipality)
    if configured is not None:
        return ReferenceSet(municipality, tuple(configured["municipalities"]), _localised(configured["reason"]),
                            "configured")
    own = Municipality.objects.filter(code=municipality).first()
    region = own.region if own else ""
    members = tuple(Municipality.objects.filter(region=region, valid_to__isnull=True).exclude(code=municipality)
                    .order_by("name_fi").values_list("code", flat=True)[: int(book["default_size"])])
    return ReferenceSet(municipality, members, _localised(book["default_rule"]), "default")


@dataclass(frozen=True)
class ComparisonRow:
    month: date
    own: Decimal | None  # Polku's computed figure (None: not computed, or hidden as a small cell)
    official: Decimal | None  # the municipality's published figure
    references: tuple[Decimal | None, ...]  # in the order of the reference set

    @property
    def difference(self) -> Decimal | None:
        return None if self.own is None or self.official is None else self.own - self.official


@dataclass(frozen=True)
class Comparison:
    counterpart: Counterpart
    municipality: str
    references: ReferenceSet
    rows: tuple[ComparisonRow, ...]
    provenance: public.Provenance
    imported_months: int  # months of the period with any imported figure

    @property
    def has_public_data(self) -> bool:
        return self.imported_months > 0


def published(counterpart: Counterpart, codes: list[str], first_month: date,
              last_month: date) -> dict[str, public.Series]:
    if counterpart.per is None:
        return public.monthly_series(variable=counterpart.variable, municipality_codes=codes, first_month=first_month,
                                     last_month=last_month, table=counterpart.table)
    return public.percent_series(variable=counterpart.variable, per=counterpart.per, table=counterpart.table,
                                 municipality_codes=codes, first_month=first_month, last_month=last_month)


def build_comparison(counterpart: Counterpart, municipality: str, first_month: date, last_month: date, *,
                     own: dict[date, Decimal | None], references: ReferenceSet) -> Comparison:
    """One row per month: Polku's figure, the official one, and each reference municipality's official one."""
    codes = [municipality, *references.members]
    series = published(counterpart, codes, first_month, last_month)
    months = list(iter_months(first_month, last_month))
    rows = tuple(ComparisonRow(month, own.get(month), series[municipality].get(month),
                               tuple(series[code].get(month) for code in references.members)) for month in months)
    imported = sum(1 for m in months if any(m in series[code] for code in codes))
    origin = public.provenance(table=counterpart.table, variables=counterpart.variables, municipality_codes=codes,
                               first_month=first_month, last_month=last_month)
    return Comparison(counterpart, municipality, references, rows, origin, imported)
