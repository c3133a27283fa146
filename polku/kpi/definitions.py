"""Indicator definitions as versioned, declarative records (``data/indicators.json``).

An indicator is ``factor × numerator ÷ denominator`` (DHIS2's shape), each side a *measure*: a relation
(a fact table the engine derives from the timelines, see ``relations``), an aggregate and a filter.
Simple indicators have no denominator; ratio indicators have one; a year's figure is the months'
``average``, ``sum`` or ``ratio_of_sums`` (MetricFlow's simple / ratio / cumulative types). No KPI has
a code path of its own: a new indicator or a new version of one is a new record, validated here
against the relation vocabulary, so a misspelt column is refused at load with the field named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.core.languages import text_in
from polku.core.suppression import SMALL_CELL_K
from polku.kpi.relations import RELATIONS

DATA_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"
UNITS = ("persons", "percent", "count", "eur")
# Each unit as readers see it beside a figure or on a chart's axis.
UNIT_LABELS = {"persons": gettext_lazy("henkilöä"), "count": gettext_lazy("kpl"), "percent": "%", "eur": "€"}
YEAR_AGGREGATIONS = ("average", "sum", "ratio_of_sums")
OPERATORS = ("=", "!=", "in", "not in")
DISAGGREGATIONS = ("municipality", "area", "team", "age_group", "gender", "language", "service_type", "structural",
                   "outcome", "benefit_type")


@dataclass(frozen=True)
class Condition:
    column: str
    operator: str
    value: Any

    def matches(self, row_value: Any) -> bool:
        """The pure-Python meaning of the condition (the reference evaluator's; SQL must agree)."""
        if self.operator == "=":
            return bool(row_value == self.value)
        if self.operator == "!=":
            return bool(row_value != self.value)
        if self.operator == "in":
            return row_value in self.value
        return row_value not in self.value


@dataclass(frozen=True)
class Measure:
    """An aggregate over one relation's rows that meet every condition."""

    relation: str
    aggregate: str  # "count" rows, or "sum" of the relation's value column
    where: tuple[Condition, ...]
    lag_years: int = 0  # input series only: the year of the figure used is the month's year minus this

    @property
    def key(self) -> str:
        """Identity of the measure, so that indicators sharing one are computed once."""
        conditions = ";".join(f"{c.column}{c.operator}{json.dumps(c.value, sort_keys=True)}" for c in self.where)
        return f"{self.relation}:{self.aggregate}:{self.lag_years}:{conditions}"


@dataclass(frozen=True)
class IndicatorDefinition:
    code: str
    version: int
    valid_from: date
    name: dict[str, str]
    description: dict[str, str]
    source: str
    verified: bool
    unit: str
    factor: int
    year: str
    numerator: Measure
    denominator: Measure | None
    disaggregations: tuple[str, ...]
    suppression_threshold: int

    def localised(self, field: str) -> str:
        texts: dict[str, str] = getattr(self, field)
        return text_in(texts)

    @property
    def title(self) -> str:
        return self.localised("name")

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None


def _measure(raw: Any, where: str, errors: list[FieldError]) -> Measure | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(where, ErrorCode.INVALID, "Mittarin osoittaja tai nimittäjä puuttuu."))
        return None
    relation = RELATIONS.get(str(raw.get("relation")))
    if relation is None:
        errors.append(FieldError(f"{where}.relation", ErrorCode.UNKNOWN,
                                 f"Tuntematon relaatio {raw.get('relation')!r}; sallitut: {', '.join(RELATIONS)}."))
        return None
    aggregate = raw.get("aggregate")
    if aggregate not in relation.aggregates:
        errors.append(FieldError(f"{where}.aggregate", ErrorCode.INVALID,
                                 f"Relaatiolle {relation.name} sallitut: {', '.join(relation.aggregates)}."))
    conditions = []
    for i, item in enumerate(raw.get("where", [])):
        path = f"{where}.where[{i}]"
        if not (isinstance(item, list) and len(item) == 3):
            errors.append(FieldError(path, ErrorCode.INVALID, "Ehto on muotoa [sarake, operaattori, arvo]."))
            continue
        column, operator, value = item
        if column not in relation.columns:
            errors.append(FieldError(path, ErrorCode.UNKNOWN,
                                     f"Relaatiossa {relation.name} ei ole saraketta {column!r}."))
        if operator not in OPERATORS:
            errors.append(FieldError(path, ErrorCode.INVALID, f"Operaattori {operator!r}; sallitut: {', '.join(OPERATORS)}."))
        if operator in ("in", "not in"):
            if not isinstance(value, list) or not value:
                errors.append(FieldError(path, ErrorCode.INVALID, "Operaattorin in arvo on ei-tyhjä lista."))
                continue
            value = tuple(value)
        conditions.append(Condition(column, operator, value))
    lag = raw.get("lag_years", 0)
    if not isinstance(lag, int) or lag < 0:
        errors.append(FieldError(f"{where}.lag_years", ErrorCode.INVALID, "Viive on ei-negatiivinen kokonaisluku."))
        lag = 0
    return Measure(relation.name, str(aggregate), tuple(conditions), lag)


def parse_definition(raw: dict[str, Any], where: str = "indicator") -> IndicatorDefinition:  # noqa: PLR0912
    """One record, validated; every problem is reported with its path, none is guessed."""
    errors: list[FieldError] = []
    for field in ("code", "version", "valid_from", "name", "description", "source", "unit", "factor", "year",
                  "numerator", "disaggregations"):
        if field not in raw:
            errors.append(FieldError(f"{where}.{field}", ErrorCode.REQUIRED, "Pakollinen kenttä puuttuu."))
    if errors:
        raise ValidationFailed(errors)
    try:
        valid_from = date.fromisoformat(raw["valid_from"])
    except (TypeError, ValueError):
        errors.append(FieldError(f"{where}.valid_from", ErrorCode.INVALID, "Päivämäärä muodossa VVVV-KK-PP."))
        valid_from = date.min
    for language in ("fi", "sv", "en"):
        for field in ("name", "description"):
            if not str(raw[field].get(language, "")).strip():
                errors.append(FieldError(f"{where}.{field}.{language}", ErrorCode.REQUIRED, "Käännös puuttuu."))
    if raw["unit"] not in UNITS:
        errors.append(FieldError(f"{where}.unit", ErrorCode.INVALID, f"Sallitut: {', '.join(UNITS)}."))
    if raw["year"] not in YEAR_AGGREGATIONS:
        errors.append(FieldError(f"{where}.year", ErrorCode.INVALID, f"Sallitut: {', '.join(YEAR_AGGREGATIONS)}."))
    numerator = _measure(raw["numerator"], f"{where}.numerator", errors)
    denominator = _measure(raw["denominator"], f"{where}.denominator", errors) if raw.get("denominator") else None
    if denominator is None and raw["year"] == "ratio_of_sums":
        errors.append(FieldError(f"{where}.year", ErrorCode.INVALID, "Summien suhde vaatii nimittäjän."))
    for dimension in raw["disaggregations"]:
        relation = RELATIONS.get(numerator.relation) if numerator else None
        if dimension not in DISAGGREGATIONS or (relation and dimension not in relation.dimensions):
            errors.append(FieldError(f"{where}.disaggregations", ErrorCode.INVALID,
                                     f"Erittelyä {dimension!r} ei voi tehdä tälle mittarille."))
    if errors or numerator is None:
        raise ValidationFailed(errors)
    return IndicatorDefinition(
        code=str(raw["code"]), version=int(raw["version"]), valid_from=valid_from, name=dict(raw["name"]),
        description=dict(raw["description"]), source=str(raw["source"]), verified=bool(raw.get("verified", False)),
        unit=str(raw["unit"]), factor=int(raw["factor"]), year=str(raw["year"]), numerator=numerator,
        denominator=denominator, disaggregations=tuple(raw["disaggregations"]),
        suppression_threshold=int(raw.get("suppression_threshold", SMALL_CELL_K)),
    )


class DefinitionBook:
    """All versions of all indicators; ``get(code, on)`` is the version in force on a day."""

    def __init__(self, definitions: list[IndicatorDefinition]) -> None:
        self._versions: dict[str, list[IndicatorDefinition]] = {}
        for definition in sorted(definitions, key=lambda d: (d.code, d.valid_from)):
            self._versions.setdefault(definition.code, []).append(definition)

    @property
    def codes(self) -> list[str]:
        return list(self._versions)

    def versions(self, code: str) -> list[IndicatorDefinition]:
        return list(self._versions.get(code, []))

    def get(self, code: str, on: date | None = None) -> IndicatorDefinition:
        versions = self._versions.get(code)
        if not versions:
            raise ValidationFailed.single("indicator", ErrorCode.UNKNOWN,
                                          f"Tuntematon mittari {code!r}; tunnetut: {', '.join(self.codes)}.")
        if on is None:
            return versions[-1]
        in_force = [d for d in versions if d.valid_from <= on]
        return in_force[-1] if in_force else versions[0]

    def latest(self) -> list[IndicatorDefinition]:
        return [versions[-1] for versions in self._versions.values()]


def parse_book(document: dict[str, Any]) -> DefinitionBook:
    errors: list[FieldError] = []
    definitions = []
    for i, raw in enumerate(document.get("indicators", [])):
        try:
            definitions.append(parse_definition(raw, f"indicators[{i}]"))
        except ValidationFailed as failure:
            errors += failure.errors
    seen = set()
    for d in definitions:
        if (d.code, d.version) in seen:
            errors.append(FieldError(f"{d.code}.version", ErrorCode.DUPLICATE, f"Versio {d.version} on jo olemassa."))
        seen.add((d.code, d.version))
    if errors:
        raise ValidationFailed(errors)
    return DefinitionBook(definitions)


@cache
def shipped_definitions() -> DefinitionBook:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return parse_book(json.load(handle))
