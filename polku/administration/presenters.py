"""What the administrator's page shows: each rule set with its standing, the loaded programmes, and how far the
yearly population series reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Model, Sum

from polku.core.errors import ValidationFailed
from polku.kpi.models import Programme
from polku.kpi.programme import text
from polku.kpi.selectors import scope_for
from polku.municipal_share import presenters as share_presenters
from polku.municipal_share import services as share_services
from polku.municipal_share.presenters import RuleMeta
from polku.reference.models import LabourForce, ResidentPopulation


def rule_sets() -> list[RuleMeta]:
    return share_presenters.rule_metas(share_services.current_rule_book())


@dataclass(frozen=True)
class ProgrammeRow:
    code: str
    name: str
    scope: str
    baseline_year: Any
    target_year: Any
    imported_at: Any
    imported_by: str


def _scope_name(code: str) -> str:
    try:
        return scope_for(code).name
    except ValidationFailed:  # a programme of a municipality or area since removed from the reference data
        return code


def programmes() -> list[ProgrammeRow]:
    return [ProgrammeRow(code=p.code, name=text(p.document.get("name")) or p.name_fi, scope=_scope_name(p.scope),
                         baseline_year=p.document.get("baseline_year"), target_year=p.document.get("target_year"),
                         imported_at=p.imported_at, imported_by=p.imported_by.get_username() if p.imported_by else "")
            for p in Programme.objects.select_related("imported_by").order_by("code")]


@dataclass(frozen=True)
class SeriesYear:
    year: int
    municipalities: int
    total: int


@dataclass(frozen=True)
class SeriesSummary:
    """One yearly series: the newest years held (municipalities covered and their sum) and the sources named."""

    years: list[SeriesYear]
    first_year: int | None
    last_year: int | None
    sources: list[str]


def _summary(model: type[Model], value: str, *, newest: int = 4) -> SeriesSummary:
    rows = model._default_manager.values("year").annotate(n=Count("pk"), total=Sum(value)).order_by("-year")
    span = model._default_manager.aggregate(first=Min("year"), last=Max("year"))
    sources = list(model._default_manager.order_by().values_list("source", flat=True).distinct()[:5])
    return SeriesSummary([SeriesYear(r["year"], r["n"], r["total"]) for r in rows[:newest]], span["first"],
                         span["last"], sorted(sources))


def populations() -> SeriesSummary:
    return _summary(ResidentPopulation, "residents")


def labour_force() -> SeriesSummary:
    return _summary(LabourForce, "persons")
