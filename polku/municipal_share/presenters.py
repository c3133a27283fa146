"""Shape the municipal-share engine's results for the pages, the API, the CLI and the Excel export.

One summary (``ShareSummary``) feeds them all, so the page, its chart, its data tables, the API and the
workbook cannot disagree. Numbers come from the engine through ``selectors.person_facts``; the rule
comparison runs the engine with a *forced* rule book (one rule set covering every month), which gives
exactly the in-force results for the months that rule set is in force (each rule set's counter runs
over the whole history either way).

Aggregate views suppress small cells for aggregate-only roles: billed-person counts from 1 to 4 are
shown as "< 5", and complementary suppression (``person_cells``) hides one more count, shown as "..", wherever a
lone hidden count could be recovered by subtraction from a total (months of a year, years of the period, benefits
and age groups of the total). Every table, chart, export and API reads the same cells.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from polku.access import policy
from polku.access.policy import staff_profile
from polku.core import suppression
from polku.core.calendar import add_months, month_start
from polku.core.languages import reader_language
from polku.derived.facts import latest_benefit_month
from polku.municipal_share import early_warning, kela_statistics
from polku.municipal_share.engine import PersonFacts, counters_after
from polku.municipal_share.models import RuleSetConfirmation
from polku.municipal_share.rules import IN_FORCE, RuleBook, RuleSet
from polku.municipal_share.summary import (
    COMPARISON_YEARS,
    SMALL_CELL,
    Figures,
    Period,
    ShareSummary,
    VariantSummary,
    share_summary,
)
from polku.municipal_share.warning_jobs import last_full_month
from polku.people.models import Person
from polku.reference.models import EmploymentAreaMembership, Municipality, ResidentPopulation
from polku.timeline.models import BenefitType
from polku.timeline.selectors import homes_in
from polku.web.charts import VEGA_LITE_SCHEMA, Chart

RULE_ALIASES = {"2015": "tmt-2015", "2025": "tyottomyysetuudet-2025", "in-force": IN_FORCE, "voimassa": IN_FORCE}
FIRST_YEAR = 2015


# --- rules ------------------------------------------------------------------------------------------


def resolve_rule(book: RuleBook, value: str) -> str | None:
    """``in-force`` or a rule set code (``2015``/``2025`` accepted as short forms); None if unknown."""
    code = RULE_ALIASES.get(value.strip(), value.strip())
    if code == IN_FORCE or code in {r.code for r in book.rule_sets}:
        return code
    return None


def rule_choices(book: RuleBook) -> list[str]:
    return [IN_FORCE, *(r.code for r in book.rule_sets)]


def rule_name(rule: RuleSet) -> str:
    language = reader_language()
    return {"sv": rule.name_sv, "en": rule.name_en}.get(language, rule.name_fi)


def variant_label(book: RuleBook, variant: str) -> str:
    if variant == IN_FORCE:
        return _("Kunkin kuukauden voimassa oleva sääntö")
    return rule_name(book.by_code(variant))


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool
    note: str
    confirmed_note: str
    confirmed_at: Any
    counts_days_from: date | None = None  # None: every paid day since the last reset counts
    summary: str = ""  # what the rule does, in the reader's language ("" when the rule file has none)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "valid_from": self.valid_from, "valid_to": self.valid_to,
                "source": self.source, "verified": self.verified, "note": self.note,
                "confirmed_note": self.confirmed_note, "confirmed_at": self.confirmed_at,
                "counts_days_from": self.counts_days_from}


def rule_metas(book: RuleBook) -> list[RuleMeta]:
    confirmations = {c.rule_set: c for c in RuleSetConfirmation.objects.all()}
    metas = []
    for rule in book.rule_sets:
        confirmation = confirmations.get(rule.code)
        metas.append(RuleMeta(
            code=rule.code, name=rule_name(rule), valid_from=rule.valid_from, valid_to=rule.valid_to,
            source=rule.source, verified=rule.verified, note=rule.note,
            confirmed_note=confirmation.note if confirmation else "",
            confirmed_at=confirmation.confirmed_at if confirmation else None, counts_days_from=rule.counts_days_from,
            summary=rule.summary_in(reader_language()),
        ))
    return metas


# --- periods and municipalities --------------------------------------------------------------------


def last_year(today: date) -> int:
    return today.year


def parse_period(value: str, today: date) -> Period | None:
    """``2021`` or ``2024-2025`` (at most three years), within 2015 … this year; None if not."""
    match = re.fullmatch(r"\s*(\d{4})(?:\s*[-–]\s*(\d{4}))?\s*", value or "")
    if not match:
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not (FIRST_YEAR <= first <= last <= last_year(today)) or last - first > 2:
        return None
    return Period(first, last)


def period_choices(today: date) -> list[Period]:
    years = [Period(y, y) for y in range(last_year(today), FIRST_YEAR - 1, -1)]
    return [Period(*COMPARISON_YEARS), *years]


def default_period(today: date) -> Period:
    latest = latest_benefit_month()
    year = min(latest.year, today.year) if latest else today.year
    return Period(max(year, FIRST_YEAR), max(year, FIRST_YEAR))


def municipalities_for(user: Any) -> list[Municipality]:
    """Municipalities whose share ``user`` may see: their employment area's (any period), all for admin/DPO."""
    profile = staff_profile(user)
    if profile is None:
        return []
    if policy.scope_of(user, policy.Capability.VIEW_AGGREGATES) == policy.Scope.EVERYONE:
        return list(Municipality.objects.order_by("name_fi"))
    if profile.area_id is None:
        return []
    codes = EmploymentAreaMembership.objects.filter(area_id=profile.area_id).values("municipality_id")
    return list(Municipality.objects.filter(code__in=codes).order_by("name_fi"))


def default_municipality(allowed: Sequence[Municipality], today: date) -> Municipality | None:
    """The municipality a page opens on: of those the user may see, the one where most people live today (the
    area's own centre, e.g. Kajaani in Kainuu), not the alphabetically first; the first when no one lives in any."""
    if not allowed:
        return None
    by_code = {m.code: m for m in allowed}
    counts = (homes_in(list(by_code), today).values("municipality_id").annotate(n=Count("id"))
              .order_by("-n", "municipality_id").values_list("municipality_id", flat=True)[:1])
    return by_code.get(next(iter(counts), ""), allowed[0])


def suppresses_small_cells(user: Any) -> bool:
    return policy.suppresses_small_cells(user)


def is_admin(user: Any) -> bool:
    return policy.is_administrator(user)


# --- the summary ----------------------------------------------------------------------------------


Cell = tuple[Any, ...]  # ("month", date), ("year", int), ("benefit", code), ("age", group) or ("total",)
TOTAL: Cell = ("total",)


@dataclass(frozen=True)
class PersonCells:
    """Which billed-person counts of one variant a reader may see: small ones (``primary``) and those hidden with
    them so that none can be recovered by subtraction (``hidden`` holds both)."""

    values: dict[Cell, int]
    primary: frozenset[Cell]
    hidden: frozenset[Cell]
    groups: tuple[suppression.Group, ...]

    def shown(self, cell: Cell) -> int | str:
        return suppression.mark(cell, self.values.get(cell, 0), primary=set(self.primary), hidden=set(self.hidden),
                                k=SMALL_CELL)


def share_groups(variant: VariantSummary) -> list[suppression.Group]:
    """The sums a reader sees: a year's months, the period's years, and the benefits and the age groups of the total
    (billed persons are not strictly additive over months, but near enough to treat them so)."""
    return [
        *(suppression.group([("month", m) for m in variant.by_month if m.year == y], ("year", y)) for y in variant.by_year),
        suppression.group([("year", y) for y in variant.by_year], TOTAL),
        suppression.group([("benefit", b) for b in variant.by_benefit], TOTAL),
        suppression.group([("age", g) for g in variant.by_age], TOTAL),
    ]


def person_cells(variant: VariantSummary, suppress: bool) -> PersonCells:
    values: dict[Cell, int] = {
        **{("month", m): f.persons for m, f in variant.by_month.items()},
        **{("year", y): f.persons for y, f in variant.by_year.items()},
        **{("benefit", b): f.persons for b, f in variant.by_benefit.items()},
        **{("age", g): f.persons for g, f in variant.by_age.items()},
        TOTAL: variant.total.persons,
    }
    groups = tuple(share_groups(variant))
    if not suppress:
        return PersonCells(values, frozenset(), frozenset(), groups)
    primary = suppression.primary_small(values, SMALL_CELL)
    return PersonCells(values, frozenset(primary), frozenset(suppression.complement(values, primary, groups)), groups)


# --- page rows --------------------------------------------------------------------------------------


COMPLETE, PARTIAL, NO_DATA = "complete", "partial", "no_data"
MONTH_STATE_LABELS = {PARTIAL: gettext_lazy("kesken"), NO_DATA: gettext_lazy("ei vielä tietoja")}


def month_state(month: date, today: date, latest: date | None) -> str:
    """Whether a month's figures are whole: a month after the latest with any benefit facts (or still to come) has
    none yet, and the month running today is partial; neither is a zero."""
    if month > month_start(today) or latest is None or month > month_start(latest):
        return NO_DATA
    return PARTIAL if month == month_start(today) else COMPLETE


@dataclass(frozen=True)
class MonthRow:
    month: date
    rule_code: str
    rule_name: str
    verified: bool
    figures: Figures
    persons: int | str
    state: str = COMPLETE

    @property
    def state_label(self) -> str:
        return str(MONTH_STATE_LABELS.get(self.state, ""))


@dataclass(frozen=True)
class CompareRow:
    label: str  # a month or a year
    old: Figures
    new: Figures
    old_persons: int | str
    new_persons: int | str

    @property
    def difference(self) -> Decimal:
        return self.new.municipal_eur - self.old.municipal_eur


@dataclass(frozen=True)
class LabelledRow:
    label: str
    figures: Figures
    persons: int | str


@dataclass(frozen=True)
class PerResident:
    year: int
    residents: int | None
    municipal_eur: Decimal
    source: str

    @property
    def eur_per_resident(self) -> Decimal | None:
        return (self.municipal_eur / self.residents).quantize(Decimal("0.01")) if self.residents else None


def per_resident(municipality: str, by_year: dict[int, Figures]) -> list[PerResident]:
    """Municipal euros per resident for each year whose resident population has been imported."""
    known = {p.year: p for p in ResidentPopulation.objects.filter(municipality_id=municipality, year__in=list(by_year))}
    return [PerResident(year=y, residents=known[y].residents if y in known else None, municipal_eur=f.municipal_eur,
                        source=known[y].source if y in known else "") for y, f in by_year.items()]


@dataclass(frozen=True)
class SharePage:
    municipality: Municipality
    period: Period
    summary: ShareSummary
    rules: list[RuleMeta]
    rules_used: list[RuleMeta]
    months: list[MonthRow]
    years: list[LabelledRow]
    benefits: list[LabelledRow]
    ages: list[LabelledRow]
    total: Figures
    total_persons: int | str
    comparison_months: list[CompareRow]
    comparison_years: list[CompareRow]
    comparison_total: CompareRow | None
    old_rule: RuleMeta
    new_rule: RuleMeta
    suppress: bool
    per_resident: list[PerResident]

    @property
    def missing_population(self) -> bool:
        return any(r.residents is None for r in self.per_resident)

    @property
    def unverified(self) -> list[RuleMeta]:
        return [r for r in self.rules_used if not r.verified]


def benefit_label(code: str) -> str:
    return str(dict(BenefitType.choices).get(code, code))


def age_label(group: str) -> str:
    return {"alle 25": _("alle 25 v"), "25–54": _("25–54 v"), "55+": _("55 v tai yli"), "?": _("ei tiedossa")}[group]


def month_label(month: date) -> str:
    return f"{month.month}/{month.year}"


def page_variants(book: RuleBook, period: Period) -> list[str]:
    """The rule variants the page shows: the rule in force, and both rule sets side by side around the reform."""
    old_code, new_code = (r.code for r in book.rule_sets[:2])
    return [IN_FORCE, old_code, new_code] if period.compares_rules else [IN_FORCE]


def share_page(book: RuleBook, municipality: Municipality, period: Period, *, suppress: bool,
               today: date | None = None, summary: ShareSummary | None = None) -> SharePage:
    """The page's rows from ``summary`` (the worker's result the page shows), or from the summary computed now."""
    old_code, new_code = (r.code for r in book.rule_sets[:2])
    if summary is None:
        summary = share_summary(book, municipality.code, period, page_variants(book, period))
    metas = rule_metas(book)
    meta_by_code = {m.code: m for m in metas}
    in_force = summary.variant(IN_FORCE)
    used_codes = list(dict.fromkeys(in_force.in_force_rule.values()))
    if period.compares_rules:
        used_codes = list(dict.fromkeys([*used_codes, old_code, new_code]))

    def reader(variant: VariantSummary) -> Any:
        cells = person_cells(variant, suppress)

        def persons(cell: Cell) -> str:
            value = cells.shown(cell)
            return value if isinstance(value, str) else number_format(value, 0, force_grouping=True)
        return persons

    persons = reader(in_force)
    today = today or timezone.localdate()
    latest = latest_benefit_month()

    months = [
        MonthRow(month=m, rule_code=in_force.in_force_rule.get(m, ""),
                 rule_name=meta_by_code[in_force.in_force_rule[m]].name if m in in_force.in_force_rule else "",
                 verified=meta_by_code[in_force.in_force_rule[m]].verified if m in in_force.in_force_rule else True,
                 figures=f, persons=persons(("month", m)), state=month_state(m, today, latest))
        for m, f in in_force.by_month.items()
    ]
    comparison_months: list[CompareRow] = []
    comparison_years: list[CompareRow] = []
    comparison_total = None
    if period.compares_rules:
        old, new = summary.variant(old_code), summary.variant(new_code)
        old_persons, new_persons = reader(old), reader(new)
        comparison_months = [CompareRow(month_label(m), old.by_month[m], new.by_month[m], old_persons(("month", m)),
                                        new_persons(("month", m))) for m in period.months]
        comparison_years = [CompareRow(str(y), old.by_year[y], new.by_year[y], old_persons(("year", y)),
                                       new_persons(("year", y))) for y in old.by_year]
        comparison_total = CompareRow(_("Yhteensä"), old.total, new.total, old_persons(TOTAL), new_persons(TOTAL))
    return SharePage(
        municipality=municipality, period=period, summary=summary, rules=metas,
        rules_used=[meta_by_code[c] for c in used_codes],
        months=months,
        years=[LabelledRow(str(y), f, persons(("year", y))) for y, f in in_force.by_year.items()],
        benefits=[LabelledRow(benefit_label(b), f, persons(("benefit", b))) for b, f in in_force.by_benefit.items()],
        ages=[LabelledRow(age_label(g), f, persons(("age", g))) for g, f in in_force.by_age.items()],
        total=in_force.total, total_persons=persons(TOTAL),
        comparison_months=comparison_months, comparison_years=comparison_years, comparison_total=comparison_total,
        old_rule=meta_by_code[old_code], new_rule=meta_by_code[new_code], suppress=suppress,
        per_resident=per_resident(municipality.code, in_force.by_year),
    )


def polku_months(summary: ShareSummary, *, suppress: bool) -> dict[date, tuple[Decimal, int | str]]:
    """Polku's municipal share € and billed persons per month (rule in force), counts suppressed as in the tables."""
    in_force = summary.variant(IN_FORCE)
    cells = person_cells(in_force, suppress)
    return {m: (f.municipal_eur, cells.shown(("month", m))) for m, f in in_force.by_month.items()}


def kela_comparison(summary: ShareSummary, *, suppress: bool) -> list[kela_statistics.ComparisonRow]:
    """Polku's municipal share per month (rule in force) beside Kela's published statistics; [] without any."""
    rows = kela_statistics.comparison(summary.municipality, polku_months(summary, suppress=suppress))
    return rows if any(r.source is not None for r in rows) else []


# --- API / CLI payload ------------------------------------------------------------------------------


def share_payload(book: RuleBook, municipality: Municipality, year: int, rule: str, *, suppress: bool) -> dict[str, Any]:
    """Monthly rows, totals and the rule metadata of one municipality, year and rule (JSON-ready)."""
    period = Period(year, year)
    summary = share_summary(book, municipality.code, period, [rule])
    variant = summary.variant(rule)
    metas = {m.code: m for m in rule_metas(book)}
    used = list(dict.fromkeys(variant.in_force_rule.values()))
    verified = all(metas[c].verified for c in used)
    notes = [f"{metas[c].code}: {metas[c].note}" for c in used if not metas[c].verified]
    resident = per_resident(municipality.code, {year: variant.total})[0]
    cells = person_cells(variant, suppress)
    return {
        "municipality": {"code": municipality.code, "name": municipality.name},
        "year": year,
        "rule": rule,
        "verified": verified,
        "note": " ".join(notes) if notes else "",
        "rule_sets": [metas[c].as_dict() for c in used],
        "months": [{"month": m.isoformat()[:7], "rule_set": variant.in_force_rule.get(m, ""),
                    "verified": metas[variant.in_force_rule[m]].verified if m in variant.in_force_rule else True,
                    **f.as_dict(persons=cells.shown(("month", m)))} for m, f in variant.by_month.items()],
        "by_benefit": [{"benefit_type": b, **f.as_dict(persons=cells.shown(("benefit", b)))}
                       for b, f in variant.by_benefit.items()],
        "by_age_group": [{"age_group": g, **f.as_dict(persons=cells.shown(("age", g)))} for g, f in variant.by_age.items()],
        "totals": variant.total.as_dict(persons=cells.shown(TOTAL)),
        "residents": resident.residents,
        "municipal_eur_per_resident": resident.eur_per_resident,
        "residents_source": resident.source,
    }


# --- chart -----------------------------------------------------------------------------------------

TEXT_COLOUR = "#1a1a1a"
RULE_COLOURS = ["#0b4f71", "#b3461f", "#2e7d32"]
def _bar_chart(values: list[dict[str, Any]], series_title: str, series: list[str]) -> dict[str, Any]:
    """Grouped bars: the municipality's share in euros per month, a bar per rule. Numbers on the axis follow the
    page's language (web/charts.js sets the locale, as the tables print them)."""
    months = list(dict.fromkeys(v["month"] for v in values))
    text = {"labelColor": TEXT_COLOUR, "titleColor": TEXT_COLOUR, "labelFontSize": 12, "titleFontSize": 12}
    return {
        "$schema": VEGA_LITE_SCHEMA, "width": 720, "height": 260, "data": {"values": values}, "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "month", "type": "nominal", "sort": months, "title": None, "axis": {"labelAngle": -45}},
            "xOffset": {"field": "series", "type": "nominal", "sort": series},
            "y": {"field": "eur", "type": "quantitative", "title": _("Kunnan osuus, €"), "axis": {"format": ",.0f"}},
            "color": {"field": "series", "type": "nominal", "title": series_title, "sort": series,
                      "scale": {"domain": series, "range": RULE_COLOURS[: len(series)]},
                      "legend": {"orient": "bottom", "columns": 1, "labelLimit": 520}},
        },
        "config": {"font": "DejaVu Sans, Verdana, sans-serif", "aria": False, "axis": text, "legend": text,
                   "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None}},
    }


def _eur(value: Decimal) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0") + "\u00a0€"


def monthly_chart(page: SharePage) -> Chart:
    values: list[dict[str, Any]] = []
    for row in page.months:
        if row.state == NO_DATA:
            continue  # missing, not a zero: the table says "ei vielä tietoja"
        label = row.rule_name + ("" if row.verified else f" ({_('vahvistamaton')})")
        if row.state == PARTIAL:
            label += f" ({row.state_label})"
        values.append({"month": month_label(row.month), "series": label, "eur": float(row.figures.municipal_eur)})
    series = [str(v) for v in dict.fromkeys(v["series"] for v in values)]
    title = _("Kunnan osuus kuukausittain: %(municipality)s %(period)s") % {
        "municipality": page.municipality.name, "period": page.period.label}
    description = _("Pylväät: kunnan osuus euroina kuukausittain kunkin kuukauden voimassa olevalla säännöllä; "
                    "yhteensä %(total)s. Samat luvut ovat taulukossa kaavion alla.") % {
        "total": _eur(page.total.municipal_eur)}
    return Chart(_bar_chart(values, _("Sääntö"), series), title=title, description=description, id_prefix="kk-kaavio")


def comparison_chart(page: SharePage) -> Chart:
    old_label = page.old_rule.name + ("" if page.old_rule.verified else f" ({_('vahvistamaton')})")
    new_label = page.new_rule.name + ("" if page.new_rule.verified else f" ({_('vahvistamaton')})")
    values: list[dict[str, Any]] = []
    for row in page.comparison_months:
        values.append({"month": row.label, "series": old_label, "eur": float(row.old.municipal_eur)})
        values.append({"month": row.label, "series": new_label, "eur": float(row.new.municipal_eur)})
    total = page.comparison_total
    title = _("Sääntöjen vertailu: %(municipality)s %(period)s") % {
        "municipality": page.municipality.name, "period": page.period.label}
    description = _("Rinnakkaiset pylväät: kunnan osuus kuukausittain, jos koko jaksoon sovellettaisiin "
                    "kumpaakin sääntöä. Yhteensä %(old)s ja %(new)s. Samat luvut ovat taulukossa kaavion alla.") % {
        "old": _eur(total.old.municipal_eur) if total else "", "new": _eur(total.new.municipal_eur) if total else ""}
    return Chart(_bar_chart(values, _("Sääntö"), [old_label, new_label]), title=title, description=description,
                 id_prefix="vertailu-kaavio")


# --- early warning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningRow:
    person: Person
    rule_name: str
    verified: bool
    counter: int
    reaches_day: int
    reaches_on: date
    share_from: date
    share_after: Decimal
    monthly_eur_after: Decimal

    @property
    def share_after_percent(self) -> Decimal:
        return self.share_after * 100


def warning_rows(found: Sequence[early_warning.StepWarning], book: RuleBook, *, reference_date: date,
                 days: int) -> list[WarningRow]:
    """The warnings that start within ``days`` of ``reference_date`` as rows with the person, soonest first."""
    found = [w for w in found if w.within(reference_date, days)]
    names = {r.code: (rule_name(r), r.verified) for r in book.rule_sets}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=[w.person_id for w in found])}
    rows = []
    for warning in found:
        if warning.person_id not in persons:  # erased since the result was computed
            continue
        name, verified = names[warning.rule_set]
        rows.append(WarningRow(
            person=persons[warning.person_id], rule_name=name, verified=verified, counter=warning.counter,
            reaches_day=warning.reaches_day, reaches_on=warning.reaches_on, share_from=warning.share_from,
            share_after=warning.share_after, monthly_eur_after=warning.monthly_municipal_eur_after,
        ))
    rows.sort(key=lambda r: (r.share_from, r.reaches_on, r.person.last_name, r.person.first_names))
    return rows


def warning_window(days: int) -> int:
    """The window computed: the longest offered, so that the shorter one is a filter of the same result."""
    return max(days, 60)


def warnings_payload(rows: Sequence[WarningRow], *, reference_date: date, days: int) -> dict[str, Any]:
    return {
        "reference_date": reference_date, "days": days,
        "verified": all(r.verified for r in rows),
        "note": "" if all(r.verified for r in rows) else _vahvistamaton_note(),
        "persons": [{
            "person_id": r.person.pk, "name": f"{r.person.first_names} {r.person.last_name}",
            "rule_set_name": r.rule_name, "verified": r.verified, "counter": r.counter,
            "reaches_day": r.reaches_day, "reaches_on": r.reaches_on, "share_from": r.share_from,
            "share_after": r.share_after, "monthly_municipal_eur_after": r.monthly_eur_after,
        } for r in rows],
    }


def _vahvistamaton_note() -> str:
    return ("vahvistamaton: the 2025 step table is not confirmed from the law (domain-rules §9.1); "
            "an administrator confirms it with `polku share_rules --confirm`.")


@dataclass(frozen=True)
class CounterRow:
    rule_name: str
    verified: bool
    in_force: bool
    counter: int
    step: int
    share: Decimal

    @property
    def share_percent(self) -> Decimal:
        return self.share * 100


@dataclass(frozen=True)
class ClientPanel:
    through: date | None
    counters: list[CounterRow]
    warning: WarningRow | None
    reference_date: date


def client_panel(book: RuleBook, person: Person, *, reference_date: date, facts: PersonFacts) -> ClientPanel:
    """The client's day counters under both rule sets and the next step under the rule in force. ``facts``: the
    person's facts, as the client record has read them (:func:`~polku.municipal_share.selectors.timeline_facts`)."""
    through = last_full_month(reference_date)
    latest = max((f.month for f in facts.benefits if f.month <= through), default=None)
    counters = counters_after(facts, book, through=through)
    in_force = book.for_month(month_start(reference_date))
    rows = []
    for rule in book.rule_sets:
        counter = counters.get(rule.code, 0)
        rows.append(CounterRow(rule_name=rule_name(rule), verified=rule.verified,
                               in_force=in_force is not None and in_force.code == rule.code, counter=counter,
                               step=rule.step_index(counter), share=rule.share_for_day(counter)))
    warning = early_warning.next_step(facts, book, reference_date=reference_date)
    warning_row = None
    if warning is not None:
        rule = book.by_code(warning.rule_set)
        warning_row = WarningRow(person=person, rule_name=rule_name(rule), verified=rule.verified,
                                 counter=warning.counter, reaches_day=warning.reaches_day,
                                 reaches_on=warning.reaches_on, share_from=warning.share_from,
                                 share_after=warning.share_after, monthly_eur_after=warning.monthly_municipal_eur_after)
    return ClientPanel(through=latest, counters=rows, warning=warning_row, reference_date=reference_date)


def suggested_reference_date(today: date) -> date | None:
    """When there is no benefit data for last month (e.g. the demo), a date just after the latest data."""
    latest = latest_benefit_month()
    if latest is None or latest >= last_full_month(today):
        return None
    return add_months(latest, 1) + timedelta(days=14)
