"""A published report's figures as a reader reads them in one language: texts chosen, numbers, months and € in that
language's formats, withheld cells marked. The page, the PDF and the workbook all read this, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from polku.core.citations import reader_source
from polku.core.languages import text_in
from polku.core.suppression import SECONDARY_MARK
from polku.kpi.definitions import UNIT_LABELS

STATUS_LABELS = {"on_track": gettext_lazy("Tavoitteessa"), "at_risk": gettext_lazy("Vaarassa"),
                 "off_track": gettext_lazy("Jäljessä"), "no_data": gettext_lazy("Ei tietoa"),
                 "manual": gettext_lazy("Seurataan muualla")}
POINTS = gettext_lazy("%-yks.")  # percentage points (sv "%-enh.", en "pp")
DIRECTION_LABELS = {"increase": gettext_lazy("kasvu"), "decrease": gettext_lazy("lasku")}
MONTH_NAMES = (gettext_lazy("tammikuu"), gettext_lazy("helmikuu"), gettext_lazy("maaliskuu"),
               gettext_lazy("huhtikuu"), gettext_lazy("toukokuu"), gettext_lazy("kesäkuu"),
               gettext_lazy("heinäkuu"), gettext_lazy("elokuu"), gettext_lazy("syyskuu"),
               gettext_lazy("lokakuu"), gettext_lazy("marraskuu"), gettext_lazy("joulukuu"))


def decimals(unit: str, value: Decimal) -> int:
    """Persons and counts are whole on a month (averages of months may not be), percentages to one decimal, euros
    whole in tables (€ per resident to the cent)."""
    if unit in ("percent", "points"):
        return 1
    if unit in ("persons", "count"):
        return 0 if value == value.to_integral_value() else 1
    return 0


def number(value: str | Decimal | None, unit: str, *, places: int | None = None) -> str:
    """``value`` in the active language's format (grouping, decimal mark), with its unit; "–" when there is none."""
    if value is None:
        return "–"
    amount = Decimal(value)
    shown = formats.number_format(amount, decimal_pos=decimals(unit, amount) if places is None else places,
                                  use_l10n=True, force_grouping=True)
    return f"{shown}\u00a0%" if unit == "percent" else f"{shown}\u00a0€" if unit == "eur" else shown  # never wrapped


def signed(value: str | None, unit: str) -> str:
    """A change with its sign; a change of a percentage is in percentage points, not per cent."""
    if value is None:
        return "–"
    amount = Decimal(value)
    text = f"{number(abs(amount), 'points')}\u00a0{POINTS}" if unit == "percent" else number(abs(amount), unit)
    return f"+{text}" if amount > 0 else f"−{text}" if amount < 0 else text


def month_name(text: str) -> str:
    """``2025-03`` as "maaliskuu 2025" (Swedish "mars 2025", English "March 2025")."""
    year, month = (int(part) for part in text.split("-"))
    return f"{MONTH_NAMES[month - 1]} {year}"


def short_month(text: str) -> str:
    """``2025-03`` as "3/2025" (a chart's axis and a table's narrow column)."""
    year, month = (int(part) for part in text.split("-"))
    return formats.date_format(date(year, month, 1), "n/Y")


@dataclass(frozen=True)
class Cell:
    text: str
    value: Decimal | None
    suppressed: bool


def cell(raw: dict[str, Any], unit: str) -> Cell:
    if raw.get("suppressed"):
        return Cell(SECONDARY_MARK, None, True)
    value = raw.get("value")
    return Cell(number(value, unit), None if value is None else Decimal(value), False)


@dataclass(frozen=True)
class TrendPoint:
    month: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    title: str
    unit: str
    unit_label: str
    this_month: Cell
    year_earlier: Cell
    change: str
    series: list[TrendPoint]
    verified: bool


@dataclass(frozen=True)
class ProgrammeLine:
    promise: str
    goal: str
    label: str
    unit: str
    baseline: str
    target: str
    path_value: str
    actual: Cell
    status: str
    status_label: str
    direction: str


@dataclass(frozen=True)
class ProgrammeView:
    name: str
    year: int
    baseline_year: int
    target_year: int
    lines: list[ProgrammeLine]


@dataclass(frozen=True)
class ComparisonLine:
    code: str
    name: str
    own: bool
    cells: list[Cell]


@dataclass(frozen=True)
class ShareForecast:
    """The municipal share € forecast of the next twelve months with its 80 % band, in the reader's language."""

    period: str  # "7/2021–6/2022" as months
    mean: str
    low: str
    high: str
    rules: str  # the rule sets in force over the months, by name
    verified: bool
    explanation: str
    mean_value: Decimal
    low_value: Decimal
    high_value: Decimal
    year: YearForecast | None = None  # reports published before the year's total was added have none


@dataclass(frozen=True)
class YearForecast:
    """The year's municipal share €: the year to date paid and the rest of the year forecast, with its 80 % band."""

    year: int
    paid: str
    mean: str
    low: str
    high: str
    mean_value: Decimal
    low_value: Decimal
    high_value: Decimal


def _year(raw: dict[str, Any] | None) -> YearForecast | None:
    if raw is None:
        return None
    return YearForecast(year=raw["year"], paid=number(raw["paid"], "eur"), mean=number(raw["mean"], "eur"),
                        low=number(raw["low"], "eur"), high=number(raw["high"], "eur"),
                        mean_value=Decimal(raw["mean"]), low_value=Decimal(raw["low"]),
                        high_value=Decimal(raw["high"]))


def _forecast(raw: dict[str, Any] | None, language: str) -> ShareForecast | None:
    if raw is None:
        return None
    return ShareForecast(
        year=_year(raw.get("year")),
        period=f"{month_name(raw['first_month'])}–{month_name(raw['last_month'])}",
        mean=number(raw["mean"], "eur"), low=number(raw["low"], "eur"), high=number(raw["high"], "eur"),
        rules=", ".join(text_in(names, language) for names in raw["rules"].values()),
        verified=raw["verified"], explanation=text_in(raw["explanation"], language),
        mean_value=Decimal(raw["mean"]), low_value=Decimal(raw["low"]), high_value=Decimal(raw["high"]))


@dataclass(frozen=True)
class ReportView:
    language: str
    scope_code: str
    scope_name: str
    scope_kind: str
    month: str
    month_label: str
    year_earlier_label: str
    suppressed_below: int
    headline: list[IndicatorLine]
    share: IndicatorLine
    share_ytd: Cell
    share_ytd_previous: Cell
    share_ytd_months: int
    share_per_resident: str
    residents: str
    residents_year: int | None
    programmes: list[ProgrammeView]
    services: list[tuple[str, Cell, str, str]]
    comparison_kind: str
    comparison_reason: str
    comparison_titles: list[str]
    comparison_units: list[str]
    comparison_rows: list[ComparisonLine]
    comparison_sources: list[str]
    comparison_has_data: bool
    notes: list[str] = field(default_factory=list)
    forecast: ShareForecast | None = None  # reports published before the forecast was added have none


def _line(raw: dict[str, Any], language: str) -> IndicatorLine:
    unit = raw["unit"]
    return IndicatorLine(
        code=raw["code"], title=text_in(raw["title"], language), unit=unit,
        unit_label=str(UNIT_LABELS.get(unit, unit)), this_month=cell(raw["this_month"], unit),
        year_earlier=cell(raw["year_earlier"], unit), change=signed(raw["change"], unit),
        series=[TrendPoint(p["month"], short_month(p["month"]), cell(p, unit)) for p in raw["series"]],
        verified=raw.get("verified", True))


def report_view(figures: dict[str, Any], language: str) -> ReportView:
    """The report in ``language`` (fi, sv or en): call it with that language active or not, it activates it."""
    with translation.override(language):
        return _view(figures, language)


def _view(figures: dict[str, Any], language: str) -> ReportView:
    def pick(texts: dict[str, str]) -> str:
        return text_in(texts, language)

    share = figures["share"]
    year, month = (int(p) for p in figures["month"].split("-"))
    programmes = [ProgrammeView(pick(p["name"]), p["year"], p["baseline_year"], p["target_year"], [
        ProgrammeLine(pick(r["promise"]), pick(r["goal"]), pick(r["label"]), r["unit"] or "",
                      number(r["baseline"], r["unit"] or ""), number(r["target"], r["unit"] or ""),
                      number(r["path_value"], r["unit"] or ""),
                      cell({"value": r["actual"], "suppressed": r["suppressed"]}, r["unit"] or ""),
                      r["status"], str(STATUS_LABELS.get(r["status"], r["status"])),
                      str(DIRECTION_LABELS.get(r["direction"], r["direction"])))
        for r in p["rows"]]) for p in figures["programmes"]]
    services = [(pick(s["label"]), cell(s, "percent"), number(s.get("participants"), "persons"),
                 number(s.get("places"), "persons")) for s in figures["services"]]
    group = figures["comparison"]
    names = group["municipalities"]
    codes = list(names)
    rows = []
    for code in codes:
        cells = []
        for indicator in group["indicators"]:
            found = next((r for r in indicator["rows"] if r["code"] == code), None)
            cells.append(cell(found or {"value": None}, indicator["unit"]))
        rows.append(ComparisonLine(code, pick(names[code]), code == figures["scope"]["code"], cells))
    residents = share.get("residents")
    notes = []
    if not all(line.get("verified", True) for line in [*figures["headline"], share]):
        notes.append(_("Osa luvuista lasketaan säännöillä, joita ei ole vielä vahvistettu."))
    return ReportView(
        language=language, scope_code=figures["scope"]["code"], scope_name=figures["scope"]["name"],
        scope_kind=figures["scope"]["kind"], month=figures["month"], month_label=month_name(figures["month"]),
        year_earlier_label=month_name(f"{year - 1}-{month:02d}"), suppressed_below=figures["suppressed_below"],
        headline=[_line(raw, language) for raw in figures["headline"]], share=_line(share, language),
        share_ytd=cell(share["ytd"], "eur"), share_ytd_previous=cell(share["ytd_previous"], "eur"),
        share_ytd_months=share["ytd_months"],
        share_per_resident=number(share.get("per_resident_ytd"), "eur", places=2),
        residents=number(residents, "persons"), residents_year=share.get("residents_year"),
        programmes=programmes, services=services, comparison_kind=group["kind"],
        comparison_reason=pick(group.get("reason") or {}),
        comparison_titles=[pick(i["title"]) for i in group["indicators"]],
        comparison_units=[i["unit"] for i in group["indicators"]], comparison_rows=rows,
        comparison_sources=[reader_source(i["source"]) for i in group["indicators"] if i.get("source")],
        comparison_has_data=group.get("has_data", True), notes=notes,
        forecast=_forecast(figures.get("forecast"), language))
