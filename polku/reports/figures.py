"""The figures of one monthly report: what the council and the employment committee read each month.

A report is computed once, for one municipality or employment area and one calendar month, from the engines
themselves (the indicator engine, the programme's progress, the municipal share as an indicator, the published
figures of the comparison group) and always as an aggregate-only reader sees them: small cells and the cells that
would give them back by subtraction are hidden. The result is plain JSON (numbers as decimal strings, texts in
Finnish, Swedish and English), so the archived report can be shown, printed and exported in any of the three
languages without computing anything again, and never changes after publishing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation

from polku.core import suppression
from polku.core.calendar import add_months, iter_months, month_start
from polku.core.errors import ValidationFailed
from polku.kpi import comparison
from polku.kpi.definitions import IndicatorDefinition, shipped_definitions
from polku.kpi.engine import IndicatorValue, Request, assemble
from polku.kpi.models import Programme
from polku.kpi.programme_figures import progress_for
from polku.kpi.selectors import Scope, database_backend, indicator_values, reference_moment, scope_for
from polku.reference.models import ResidentPopulation, ServiceType

FORMAT_VERSION = 1
LANGUAGES = ("fi", "sv", "en")
HEADLINE_INDICATORS = ("unemployed_jobseekers", "long_term_unemployed", "youth_unemployed", "activation_rate",
                       "persons_in_services", "job_searches_ended_to_work_or_study")
SHARE_INDICATOR = "municipal_share_all_benefits"
COMPARED_INDICATORS = ("unemployed_jobseekers", "activation_rate")
FILL_RATE_INDICATOR = "service_fill_rate"
TREND_MONTHS = 13  # the report month and the twelve before it: the same month a year earlier is the first


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _texts(produce: Any) -> dict[str, str]:
    """A text in each of the report's languages (``produce`` reads the active language)."""
    out = {}
    for language in LANGUAGES:
        with translation.override(language):
            out[language] = str(produce())
    return out


class EngineFigures:
    """The indicator engine's figures for one scope from one measure table: the facts are read once for all the
    indicators and periods a report shows (an area's facts take tens of seconds to read on SQLite).

    Exactly what the indicator page shows an aggregate-only reader (``indicator_values`` with ``suppress``): for a
    municipality the table also holds its areas' other municipalities, so that a figure hidden in the area's figures
    by municipality is hidden here too (``hidden_as_in_its_areas``), from the same table."""

    def __init__(self, scope: Scope, definitions: list[IndicatorDefinition], months: list[date]) -> None:
        from polku.reference.models import EmploymentAreaMembership

        self.scope = scope
        self.areas = [] if scope.kind != "municipality" else [scope_for(code) for code in sorted(set(
            EmploymentAreaMembership.objects.filter(municipality_id=scope.code).values_list("area__code", flat=True)))]
        codes = sorted({*scope.municipality_codes, *(c for area in self.areas for c in area.municipality_codes)})
        horizon, known_at = reference_moment(None)
        self.months = [m for m in months if m <= month_start(horizon)]
        request = Request(tuple(definitions), tuple(self.months), horizon, tuple(codes), None, known_at)
        self.table = database_backend().measure_table(request)

    def values(self, definition: IndicatorDefinition, months: list[date], *, by_year: bool = False,
               suppress: bool = True) -> list[IndicatorValue]:
        months = [m for m in months if m in self.months]
        if not months:
            return []
        own = assemble(definition, self.table, months, {self.scope.code: self.scope.members_on}, by_year=by_year,
                       suppress=suppress)
        if not suppress or "municipality" not in definition.disaggregations:
            return own
        hidden: set[str] = set()
        for area in self.areas:
            by_municipality = assemble(definition, self.table, months,
                                       {m: _member_of(area, m) for m in area.municipality_codes}, by_year=by_year,
                                       suppress=True)
            hidden |= {v.period for v in by_municipality if v.scope == self.scope.code and v.suppressed}
        return [replace(v, numerator=None, denominator=None, value=None, suppressed=True)
                if v.period in hidden and not v.suppressed else v for v in own]


def _member_of(area: Scope, municipality: str) -> Callable[[date], set[str]]:
    return lambda month: {municipality} if municipality in area.members_on(month) else set()


def _cell(value: IndicatorValue | None) -> dict[str, Any]:
    if value is None:
        return {"value": None, "suppressed": False}
    return {"value": _number(value.value), "suppressed": value.suppressed}


def _change(now: dict[str, Any], before: dict[str, Any]) -> str | None:
    if now["value"] is None or before["value"] is None:
        return None
    return str(Decimal(now["value"]) - Decimal(before["value"]))


def headline_engine(scope: Scope, month: date) -> EngineFigures:
    """The headline indicators' table: the last thirteen months."""
    definitions = shipped_definitions()
    months = list(iter_months(add_months(month, -(TREND_MONTHS - 1)), month))
    return EngineFigures(scope, [definitions.get(code) for code in HEADLINE_INDICATORS], months)


def headline(scope: Scope, month: date, engine: EngineFigures | None = None) -> list[dict[str, Any]]:
    """Each headline indicator: the last thirteen months, this month, the same month a year earlier, the change."""
    definitions = shipped_definitions()
    first = add_months(month, -(TREND_MONTHS - 1))
    months = list(iter_months(first, month))
    engine = engine or headline_engine(scope, month)
    out = []
    for code in HEADLINE_INDICATORS:
        definition = definitions.get(code)
        by_month = {v.period: v for v in engine.values(definition, months)}
        series = [{"month": f"{m:%Y-%m}", **_cell(by_month.get(f"{m:%Y-%m}"))} for m in iter_months(first, month)]
        now, before = series[-1], series[0]
        out.append({"code": code, "title": dict(definition.name), "unit": definition.unit,
                    "verified": definition.verified, "series": series, "this_month": now, "year_earlier": before,
                    "change": _change(now, before)})
    return out


def municipal_share(scope: Scope, month: date) -> dict[str, Any]:
    """The municipal share € by month from January a year earlier, this month against the same month a year
    earlier, the year to date against the same months a year earlier, and € per resident.

    A year to date is the sum of its months, so a lone hidden month would be the year to date minus the others:
    the months and the year to date are suppressed together (complementary suppression)."""
    definition = shipped_definitions().get(SHARE_INDICATOR)
    first = date(month.year - 1, 1, 1)
    months = list(iter_months(first, month))
    engine = EngineFigures(scope, [definition], months)
    values = {v.period: v for v in engine.values(definition, months)}
    # The sums are of the true amounts (a withheld month is in the year to date): hiding decides what is shown.
    amounts = {v.period: v.value for v in engine.values(definition, months, suppress=False)}
    this_year = [m for m in months if m.year == month.year]
    last_year = [date(month.year - 1, m.month, 1) for m in this_year]

    def amount(m: date) -> Decimal:
        return amounts.get(f"{m:%Y-%m}") or Decimal(0)

    sizes: dict[Any, Decimal] = {m: amount(m) for m in months}  # € as the cost of hiding a cell
    sizes["ytd"] = sum((sizes[m] for m in this_year), Decimal(0))
    sizes["ytd_previous"] = sum((sizes[m] for m in last_year), Decimal(0))
    primary: set[Any] = {m for m in months if (found := values.get(f"{m:%Y-%m}")) is not None and found.suppressed}
    # A year to date resting on fewer persons than the threshold is a small cell of its own.
    for key, members in (("ytd", this_year), ("ytd_previous", last_year)):
        if any(v.suppressed for v in engine.values(definition, members, by_year=True)):
            primary.add(key)
    hidden = suppression.complement({k: float(v) for k, v in sizes.items()}, primary, [suppression.group(this_year, "ytd"),
                                                     suppression.group(last_year, "ytd_previous")])

    def cell(key: Any) -> dict[str, Any]:
        if key in hidden:
            return {"value": None, "suppressed": True}
        return {"value": _number(sizes[key]), "suppressed": False}

    series = [{"month": f"{m:%Y-%m}", **cell(m)} for m in months]
    ytd, ytd_previous = cell("ytd"), cell("ytd_previous")
    residents = _residents(scope, month.year)
    per_resident = None
    if residents and ytd["value"] is not None:
        per_resident = str((Decimal(ytd["value"]) / residents[1]).quantize(Decimal("0.01")))
    now = series[-1]
    before = next(s for s in series if s["month"] == f"{add_months(month, -12):%Y-%m}")
    return {"code": SHARE_INDICATOR, "title": dict(definition.name), "unit": definition.unit,
            "verified": definition.verified, "series": series, "this_month": now, "year_earlier": before,
            "change": _change(now, before), "ytd": ytd, "ytd_previous": ytd_previous,
            "ytd_months": len(this_year), "residents": None if residents is None else residents[1],
            "residents_year": None if residents is None else residents[0], "per_resident_ytd": per_resident}


def _residents(scope: Scope, year: int) -> tuple[int, int] | None:
    """The scope's residents at the end of the latest year up to ``year`` for which every member has a figure."""
    codes = scope.members_on(date(year, 1, 1)) or set(scope.municipality_codes)
    rows = ResidentPopulation.objects.filter(municipality_id__in=codes, year__lte=year).values_list(
        "year", "municipality_id", "residents")
    by_year: dict[int, dict[str, int]] = {}
    for y, code, residents in rows:
        by_year.setdefault(y, {})[code] = residents
    complete = [y for y, found in by_year.items() if set(found) >= codes]
    if not complete:
        return None
    chosen = max(complete)
    return chosen, sum(by_year[chosen][c] for c in codes)


def programmes(scope: Scope, month: date) -> list[dict[str, Any]]:
    """Each programme of the scope: every promise's goals and indicators against the straight path to the target,
    the year's figure from its months up to the report month."""
    out = []
    for programme in Programme.objects.filter(scope=scope.code).order_by("code"):
        by_language = {}
        for language in LANGUAGES:
            with translation.override(language):
                by_language[language] = progress_for(programme, month.year, suppress=True, through=month)
        rows = []
        for i, row in enumerate(by_language["fi"]):
            progress = row.progress
            this_year = next((v for v in row.series if v.period == str(month.year)), None)
            rows.append({
                "promise": {lang: by_language[lang][i].progress.promise for lang in LANGUAGES},
                "goal": {lang: by_language[lang][i].progress.goal for lang in LANGUAGES},
                "label": {lang: by_language[lang][i].progress.label for lang in LANGUAGES},
                "indicator": progress.indicator,
                "unit": None if progress.indicator is None else shipped_definitions().get(progress.indicator).unit,
                "direction": progress.direction, "baseline": _number(progress.baseline),
                "target": _number(progress.target), "path_value": _number(progress.path_value),
                "actual": _number(progress.actual), "suppressed": bool(this_year and this_year.suppressed),
                "status": progress.status,
            })
        document = programme.document
        out.append({"code": programme.code, "name": {lang: (document.get("name") or {}).get(lang) or programme.name_fi
                                                     for lang in LANGUAGES},
                    "year": month.year, "baseline_year": document["baseline_year"],
                    "target_year": document["target_year"], "rows": rows})
    return out


def services(scope: Scope, month: date) -> list[dict[str, Any]]:
    """Fill rate of each service type on the month's calculation day (areas only: offerings belong to an area)."""
    if scope.kind != "area":
        return []
    definition = shipped_definitions().get(FILL_RATE_INDICATOR)
    try:
        values = indicator_values(definition, scope, month, month, dimension="service_type", suppress=True)
    except ValidationFailed:
        return []
    names = {t.code: t for t in ServiceType.objects.all()}
    out = []
    for value in sorted(values, key=lambda v: v.group):
        if not value.group or (not value.suppressed and not value.denominator):  # no offering: no rate to show
            continue
        kind = names.get(value.group)
        label = {lang: getattr(kind, f"name_{lang}", value.group) if kind else value.group for lang in LANGUAGES}
        out.append({"service_type": value.group, "label": label, **_cell(value),
                    "participants": _number(value.numerator), "places": _number(value.denominator)})
    return out


def comparison_group(scope: Scope, month: date, engine: EngineFigures | None = None) -> dict[str, Any]:
    """A municipality beside its reference municipalities' published figures (Statistics Finland, aggregates anyone
    can read); an area's member municipalities side by side, suppressed as the area's figures by municipality."""
    definitions = shipped_definitions()
    if scope.kind == "area":
        members = sorted(scope.members_on(month))
        indicators: list[dict[str, Any]] = []
        engine = engine or headline_engine(scope, month)
        by_municipality = {m: _member_of(scope, m) for m in scope.municipality_codes}
        for code in COMPARED_INDICATORS:
            # As the indicator page's breakdown by municipality, from the headline figures' table.
            values = {v.scope: v for v in assemble(definitions.get(code), engine.table, [month], by_municipality,
                                                   suppress=True)}
            indicators.append({"code": code, "title": dict(definitions.get(code).name),
                               "unit": definitions.get(code).unit,
                               "rows": [{"code": m, **_cell(values.get(m))} for m in members]})
        return {"kind": "members", "municipalities": _names(members), "indicators": indicators,
                "reason": _texts(lambda: translation.gettext("Alueen kunnat Polun omin luvuin."))}
    references = comparison.reference_set(scope.code)
    codes = [scope.code, *references.members]
    indicators = []
    for code in COMPARED_INDICATORS:
        counterpart = comparison.counterpart_for(code)
        if counterpart is None:
            continue
        series = comparison.published(counterpart, codes, month, month)
        indicators.append({"code": code, "title": dict(definitions.get(code).name), "unit": definitions.get(code).unit,
                           "source": counterpart.source, "rows": [
                               {"code": c, "value": _number(series[c].get(month)), "suppressed": False}
                               for c in codes]})
    reason = {}
    for language in LANGUAGES:
        with translation.override(language):
            reason[language] = comparison.reference_set(scope.code).reason
    has_data = any(row["value"] is not None for item in indicators for row in item["rows"])
    return {"kind": "published", "municipalities": _names(codes), "indicators": indicators, "reason": reason,
            "has_data": has_data}


def _names(codes: list[str]) -> dict[str, dict[str, str]]:
    from polku.reference.models import Municipality

    found = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    return {c: {"fi": found[c].name_fi, "sv": found[c].name_sv or found[c].name_fi, "en": found[c].name_fi}
            if c in found else dict.fromkeys(LANGUAGES, c) for c in codes}


FORECAST_MONTHS = 12
FORECAST_PATHS = 300


def share_forecast(scope: Scope, month: date) -> dict[str, Any] | None:
    """The municipal share € of the twelve months after the report month, each month under the rule in force then,
    forecast from the history up to the report month's calculation day (``polku.forecast``), with its calibrated
    80 % band: the sum of the months' band limits (the months' errors move together, as the backtest shows). None
    when the scope's history is too short for a forecast, or its unemployed on the day are fewer than the small-cell
    threshold (the forecast would rest on a few persons)."""
    from polku.derived.calendar import calculation_day
    from polku.forecast.area import area_forecast
    from polku.forecast.bands import explanation, shipped_calibration
    from polku.forecast.projection import project

    day = calculation_day(month)
    try:
        area = area_forecast(tuple(sorted(scope.municipality_codes)), day)
    except ValueError:
        return None
    threshold = shipped_definitions().get(HEADLINE_INDICATORS[0]).suppression_threshold
    if sum(sum(classes) for classes in area.model.initial.unemployed.values()) < threshold or not area.euros.rules:
        return None
    bands = shipped_calibration()
    projection = project(area.model, horizon=FORECAST_MONTHS, paths=FORECAST_PATHS, seed=1, euros=area.euros,
                         bands=bands)
    mean = low = high = 0.0
    rest_of_year = [0.0, 0.0, 0.0]  # the forecast months of the report month's year: the year's total is the year
    # to date (paid) and these
    rules: list[str] = []
    for i, forecast_month in enumerate(projection.months):
        code = area.euros.rule_in_force(forecast_month) or next(reversed(area.euros.rules))
        band = projection.euros[code]
        mean, low, high = mean + band.mean[i], low + band.p10[i], high + band.p90[i]
        if forecast_month.year == month.year:
            rest_of_year = [rest_of_year[0] + band.mean[i], rest_of_year[1] + band.p10[i],
                            rest_of_year[2] + band.p90[i]]
        rules += [] if code in rules else [code]
    return {"first_month": f"{projection.months[0]:%Y-%m}", "last_month": f"{projection.months[-1]:%Y-%m}",
            "mean": str(round(Decimal(mean))), "low": str(round(Decimal(low))), "high": str(round(Decimal(high))),
            "rest_of_year": [str(round(Decimal(x))) for x in rest_of_year]
            if any(m.year == month.year for m in projection.months) else None,
            "rules": {code: {lang: area.euros.rules[code].name(lang) for lang in LANGUAGES} for code in rules},
            "verified": all(area.euros.rules[code].verified for code in rules),
            "calibration": None if projection.bands is None else projection.bands.version,
            "explanation": _texts(lambda: " ".join(explanation(projection.bands)))}


def _with_year(forecast: dict[str, Any] | None, month: date, share: dict[str, Any]) -> dict[str, Any] | None:
    """The forecast with the year's total: the year to date paid (when shown: a withheld year to date would be
    recovered from the total) plus the rest of the year's forecast and its band. None for the year when the report
    month is December (the year is paid, not forecast)."""
    if forecast is None:
        return None
    rest = forecast.pop("rest_of_year", None)
    ytd = share["ytd"]["value"]
    forecast["year"] = None if rest is None or ytd is None else {
        "year": month.year, "paid": str(ytd), "mean": str(Decimal(ytd) + Decimal(rest[0])),
        "low": str(Decimal(ytd) + Decimal(rest[1])), "high": str(Decimal(ytd) + Decimal(rest[2]))}
    return forecast


def report_figures(scope: Scope, month: date) -> dict[str, Any]:
    """Everything the report shows, for ``scope`` and the calendar month ``month`` (its first day)."""
    engine = headline_engine(scope, month)
    share = municipal_share(scope, month)
    return {
        "format": FORMAT_VERSION,
        "scope": {"code": scope.code, "name": scope.name, "kind": scope.kind},
        "month": f"{month:%Y-%m}",
        "suppressed_below": shipped_definitions().get(HEADLINE_INDICATORS[0]).suppression_threshold,
        "headline": headline(scope, month, engine),
        "share": share,
        "forecast": _with_year(share_forecast(scope, month), month, share),
        "programmes": programmes(scope, month),
        "services": services(scope, month),
        "comparison": comparison_group(scope, month, engine),
    }
