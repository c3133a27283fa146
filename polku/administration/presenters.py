"""What the administrator's page shows: each rule set with its standing, the loaded programmes, and how far the
yearly population series reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Model, Sum
from django.utils.translation import get_language

from polku.kpi.models import Programme
from polku.municipal_share import presenters as share_presenters
from polku.municipal_share import services as share_services
from polku.municipal_share.presenters import RuleMeta
from polku.reference.models import EmploymentArea, LabourForce, Municipality, ResidentPopulation


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
    found = Municipality.objects.filter(code=code.zfill(3) if code.isdigit() else code).first()
    if found is not None:
        return found.name_fi
    area = EmploymentArea.objects.filter(code=code).first()
    return area.name_fi if area is not None else code


def _in_language(texts: Any, fallback: str) -> str:
    language = (get_language() or "fi")[:2]
    return str(texts.get(language) or texts.get("fi") or fallback) if isinstance(texts, dict) else fallback


def programmes() -> list[ProgrammeRow]:
    return [ProgrammeRow(code=p.code, name=_in_language(p.document.get("name"), p.name_fi), scope=_scope_name(p.scope),
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
