"""Indicator figures as one payload for the CLI, the API and the pages (aggregates only, never persons).

Input is checked here once, so every interface refuses the same bad input with the same field named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from polku.access.models import Team
from polku.casework.due_table import overdue_share
from polku.casework.tasks import queue_rebuild
from polku.core.calendar import month_start
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.core.languages import reader_language, text_in
from polku.core.precomputed import Precomputed
from polku.derived.facts import latest_benefit_month
from polku.kpi import indicator_figures
from polku.kpi.definitions import IndicatorDefinition, Measure, shipped_definitions
from polku.kpi.engine import IndicatorValue, anonymous
from polku.kpi.relations import AGES
from polku.kpi.selectors import (
    Scope,
    municipality_scope,
    recorded_facts_generation,
    reference_moment,
    scope_for,
    shown_values,
)
from polku.kpi.state_assessment import state_assessment
from polku.municipal_share.presenters import month_label, municipalities_for, suppresses_small_cells
from polku.people.models import Gender, Language
from polku.reference.models import EmploymentArea, Municipality, ServiceType
from polku.timeline.models import BenefitType, JobSearchEndReason

FIRST_MONTH = date(2015, 1, 1)
CACHE_SECONDS = 600
FRESH = timedelta(seconds=CACHE_SECONDS)  # how old a start page's figure for older facts may be (the cache's age)


def parse_month(field: str, text: str | None) -> date | None:
    """``2021-12`` (or ``2021-12-31``) → the month's first day; the field is named when it is not one."""
    if text in (None, ""):
        return None
    try:
        parts = str(text).split("-")
        return date(int(parts[0]), int(parts[1]), 1)
    except (ValueError, IndexError):
        raise ValidationFailed.single(field, ErrorCode.INVALID, f"Kuukausi muodossa VVVV-KK, ei {text!r}.") from None


@dataclass(frozen=True)
class Query:
    definition: IndicatorDefinition
    scope: Scope
    first_month: date
    last_month: date
    by_year: bool
    dimension: str | None
    as_of: date | None


def build_query(*, indicator: str, scope: str, month: str | None = None, first_month: str | None = None,
                last_month: str | None = None, year: int | None = None, dimension: str | None = None,
                as_of: str | None = None) -> Query:
    """One month (``month``), a range of months, or a year (``year``: the year's figure from its months)."""
    definition = shipped_definitions().get(indicator)
    found = scope_for(scope)
    today = month_start(timezone.localdate())
    as_of_month = parse_month("as_of", as_of)
    if as_of_month == today:  # this month as known now is the current figure (kept fresh, not kept for good)
        as_of_month = None
    if year is not None:
        if not FIRST_MONTH.year <= year <= today.year:
            raise ValidationFailed.single("year", ErrorCode.INVALID,
                                          f"Vuoden on oltava välillä {FIRST_MONTH.year}–{today.year}.")
        first, last, by_year = date(year, 1, 1), date(year, 12, 1), True
    else:
        single = parse_month("month", month)
        first = single or parse_month("first_month", first_month) or date(today.year - 1, today.month, 1)
        last = single or parse_month("last_month", last_month) or today
        by_year = False
    for field, value in (("first_month", first), ("last_month", last), ("as_of", as_of_month)):
        if value is not None and not FIRST_MONTH <= value <= today:
            raise ValidationFailed.single(field, ErrorCode.INVALID,
                                          f"Kuukauden on oltava välillä {FIRST_MONTH:%Y-%m}–{today:%Y-%m}.")
    if last < first:
        raise ValidationFailed.single("last_month", ErrorCode.END_BEFORE_START, "Jakso päättyy ennen alkuaan.")
    if dimension and dimension not in definition.disaggregations:
        raise ValidationFailed.single("dimension", ErrorCode.INVALID,
                                      f"Erittelyt: {', '.join(definition.disaggregations)}.")
    return Query(definition, found, first, last, by_year, dimension or None, as_of_month)


def scopes_for(user: Any) -> list[Scope]:
    """Areas and municipalities whose indicators ``user`` may see (aggregates: every staff role)."""
    municipalities = municipalities_for(user)
    codes = {m.code for m in municipalities}
    areas = [a for a in EmploymentArea.objects.order_by("code")
             if codes.issuperset(a.memberships.values_list("municipality_id", flat=True))]
    return [scope_for(a.code) for a in areas] + [municipality_scope(m) for m in municipalities]


def check_scope(user: Any, scope: Scope) -> None:
    allowed = {m.code for m in municipalities_for(user)}
    if not set(scope.municipality_codes) <= allowed:
        raise AccessDenied("Alue tai kunta ei kuulu työllisyysalueesi kuntiin.")


def measure_text(measure: Measure | None) -> str | None:
    if measure is None:
        return None
    conditions = " ja ".join(f"{c.column} {c.operator} {c.value}" for c in measure.where)
    lag = f", vuosi − {measure.lag_years}" if measure.lag_years else ""
    return f"{measure.aggregate}({measure.relation}{': ' + conditions if conditions else ''}{lag})"


# How a year's figure is made from its months, in the reader's words (the definitions' "year").
YEAR_LABELS = {
    "average": gettext_lazy("kuukausien lukujen keskiarvo"),
    "sum": gettext_lazy("kuukausien lukujen summa"),
    "ratio_of_sums": gettext_lazy("kuukausien osoittajien summa jaettuna nimittäjien summalla"),
}


def year_label(definition: IndicatorDefinition) -> str:
    return str(YEAR_LABELS.get(definition.year, definition.year))


def definition_payload(definition: IndicatorDefinition) -> dict[str, Any]:
    return {
        "code": definition.code, "version": definition.version, "valid_from": definition.valid_from.isoformat(),
        "name": definition.title, "description": definition.localised("description"), "source": definition.source,
        "verified": definition.verified, "unit": definition.unit, "factor": definition.factor,
        "year_aggregation": definition.year, "numerator": measure_text(definition.numerator),
        "denominator": measure_text(definition.denominator), "disaggregations": list(definition.disaggregations),
        "suppression_threshold": definition.suppression_threshold,
        "reference_date": "laskentapäivä: kuukauden viimeinen arkipäivä",
    }


def compute(query: Query, *, suppress: bool) -> list[IndicatorValue]:
    return shown_values(query.definition, query.scope, query.first_month, query.last_month, dimension=query.dimension,
                        as_of=query.as_of, by_year=query.by_year, suppress=suppress)


def figures_arguments(query: Query, *, suppress: bool) -> dict[str, Any]:
    """The query as the worker's job takes it (``polku.kpi.indicator_figures``: JSON, the task queue keeps it)."""
    return {"indicator": query.definition.code, "scope": query.scope.code,
            "first_month": query.first_month.isoformat(), "last_month": query.last_month.isoformat(),
            "by_year": query.by_year, "dimension": query.dimension,
            "as_of": None if query.as_of is None else query.as_of.isoformat(), "suppress": suppress}


DIMENSION_LABELS = {"municipality": gettext_lazy("kunnittain"), "team": gettext_lazy("tiimeittäin"),
                    "age_group": gettext_lazy("ikäryhmittäin"), "gender": gettext_lazy("sukupuolen mukaan"),
                    "language": gettext_lazy("kielen mukaan"), "service_type": gettext_lazy("palveluittain"),
                    "structural": gettext_lazy("rakennetyöttömyyden ryhmittäin"),
                    "outcome": gettext_lazy("tuloksen mukaan"), "benefit_type": gettext_lazy("etuuksittain")}
STRUCTURAL_LABELS = {"long_term": gettext_lazy("pitkäaikaistyöttömät"),
                     "comparable": gettext_lazy("vertailukelpoisesti rakennetyöttömät"),
                     "from_service": gettext_lazy("palveluilta työttömiksi"),
                     "service_to_service": gettext_lazy("palvelulta palvelulle"),
                     "": gettext_lazy("muut")}
RUN_LABELS = {"within_3_months": gettext_lazy("päättyi 3 kuukaudessa"),
              "over_3_months": gettext_lazy("kesti yli 3 kuukautta"),
              "not_known_yet": gettext_lazy("ei vielä tiedossa")}


def _age_band(low: int, high: int) -> str:
    if low == 0:
        return _("%(age)s v tai alle") % {"age": high - 1}
    if high >= 200:
        return _("%(age)s v tai yli") % {"age": low}
    return _("%(low)s–%(high)s v") % {"low": low, "high": high - 1}


def group_labels(dimension: str | None) -> dict[str, str]:
    """A breakdown's groups as readers name them, in their language (the engine's groups are codes and ids)."""
    def choices(enum: Any) -> dict[str, str]:
        return {str(value): str(label) for value, label in enum.choices}

    services = {s.code: s.name for s in ServiceType.objects.all()} if dimension in ("service_type", "outcome") else {}
    labels: dict[str | None, Callable[[], dict[str, str]]] = {
        "team": lambda: {str(pk): name for pk, name in Team.objects.values_list("pk", "name")},
        "service_type": lambda: services,
        "gender": lambda: choices(Gender),
        "language": lambda: choices(Language),
        "age_group": lambda: {label: _age_band(low, high) for label, low, high in AGES.bands},
        "structural": lambda: {k: str(v) for k, v in STRUCTURAL_LABELS.items()},
        "outcome": lambda: {**choices(JobSearchEndReason), **services, **{k: str(v) for k, v in RUN_LABELS.items()}},
        "benefit_type": lambda: choices(BenefitType),
    }
    return labels.get(dimension, dict)()


def kpi_payload(query: Query, *, suppress: bool, values: list[IndicatorValue] | None = None) -> dict[str, Any]:
    """The figures for a reader: ``values`` when the worker has computed them (the indicator page), else computed."""
    if values is None:
        values = compute(query, suppress=suppress)
    values = _without_months_not_paid_yet(query, values)
    names = group_labels(query.dimension)
    return {
        "indicator": definition_payload(query.definition),
        "scope": {"code": query.scope.code, "name": query.scope.name, "kind": query.scope.kind},
        "first_month": f"{query.first_month:%Y-%m}", "last_month": f"{query.last_month:%Y-%m}",
        "by_year": query.by_year, "dimension": query.dimension,
        "as_of": None if query.as_of is None else f"{query.as_of:%Y-%m}",
        "suppressed_below": query.definition.suppression_threshold if suppress or anonymous(query.definition) else None,
        "values": [{**v.as_dict(), "group_label": names.get(v.group, v.group)} for v in values],
    }


def _number_text(text: str | None) -> str | None:
    """A payload's number (text, as the API gives it) in the reader's format, with its own decimals."""
    if text is None:
        return None
    decimals = len(text.partition(".")[2])
    return number_format(Decimal(text), decimals, force_grouping=True)


def period_text(period: str) -> str:
    """"2025-01" as the pages write a month ("1/2025", ``month_label``); a year as it is."""
    return month_label(date.fromisoformat(f"{period}-01")) if "-" in period else period


def table_values(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload's values for the page's table: the month, the counts and the value in the reader's format (the
    payload itself keeps the API's machine format)."""
    return [{**v, "period_text": period_text(v["period"]), "numerator_text": _number_text(v["numerator"]),
             "denominator_text": _number_text(v["denominator"]), "value_text": _number_text(v["value"])}
            for v in payload["values"]]


NOT_PAID_YET = "not_paid_yet"  # the note of a month after the latest paid benefits recorded: no data, not zero


def _without_months_not_paid_yet(query: Query, values: list[IndicatorValue]) -> list[IndicatorValue]:
    """An indicator counting paid benefits (the municipal share) has no figure yet for the months after the latest
    month with paid benefits recorded (Kela pays a month after it): shown as "no data yet", as the share page shows
    them, instead of zero euros."""
    measures = (query.definition.numerator, query.definition.denominator)
    if query.by_year or not any(m is not None and m.relation == "share" for m in measures):
        return values
    latest = latest_benefit_month(reference_moment(query.as_of)[1])  # as recorded by then, for a figure "as of"
    if latest is None:
        return values
    cutoff = f"{latest:%Y-%m}"
    return [replace(v, numerator=None, denominator=None, value=None, note=NOT_PAID_YET)
            if v.period > cutoff and not v.suppressed and not v.note else v for v in values]


def _payload_key(query: Query, suppress: bool, *, latest: bool = False) -> str:
    """The cache key of a payload; a current figure over the employer services' facts also names their generation,
    so an offer or contact recorded a moment ago is counted on the next load (a figure as of a past day never
    changes). ``latest``: the last one computed within ten minutes, whatever the generation (what a start page shows
    while a write has moved the key on)."""
    family = "latest" if latest else "" if query.as_of is not None else recorded_facts_generation([query.definition])
    return "kpi:payload:" + hashlib.sha256(repr((query, suppress, get_language(), family)).encode()).hexdigest()


def cached_user_payloads(user: Any, indicators: list[str], **arguments: Any) -> dict[str, dict[str, Any] | None]:
    """``user_payload`` of each indicator (same scope and months) if it is in the cache, computed by the indicator
    page lately (the current one, else the last computed within ten minutes), or the worker's latest values for
    them; else None, and the worker's job queued. Never computes: for a start page."""
    first = build_query(indicator=indicators[0], **arguments)
    check_scope(user, first.scope)
    suppress = suppresses_small_cells(user)
    found: dict[str, dict[str, Any] | None] = {}
    for code in indicators:
        query = replace(first, definition=shipped_definitions().get(code))
        cached = cache.get(_payload_key(query, suppress)) or cache.get(_payload_key(query, suppress, latest=True))
        if cached is None and indicator_figures.in_background():
            # The worker's values for the same choices as an indicator page's, queued if there are none yet (as
            # background work: nobody waits for them here): the start page shows them next time, and the refresh after
            # a data change keeps them up to date. Values for older facts only while as fresh as the cache's.
            result = indicator_figures.fetch(figures_arguments(query, suppress=suppress), waiting=False)
            fresh = result.ready and (result.current or (
                result.computed_at is not None and timezone.now() - result.computed_at <= FRESH))
            cached = kpi_payload(query, suppress=suppress, values=result.value) if fresh else None
        found[code] = None if cached is None else dict(cached)
    return found


def user_payload(user: Any, **arguments: Any) -> dict[str, Any]:
    """The payload as ``user`` may see it: their area's scopes only; small cells hidden for aggregate-only roles.

    Cached for ten minutes (for good "as of" a past month, whose figures never change): an area's
    figures take seconds on the SQLite demo database.
    """
    query = build_query(**arguments)
    check_scope(user, query.scope)
    return payload_for(query, suppress=suppresses_small_cells(user))


def worker_payload(user: Any, *, retry: bool = False,
                   **arguments: Any) -> tuple[dict[str, Any] | None, Precomputed | None]:
    """The indicator page's figures as ``user`` may see them, from the worker's values (``indicator_figures``): the
    payload (None until the first values exist) and where the worker is (None: figures as of a past month, kept for
    good). The choices and the scope are checked before anything is queued. Current values are kept for the start
    pages as :func:`user_payload` keeps them."""
    query = build_query(**arguments)
    check_scope(user, query.scope)
    suppress = suppresses_small_cells(user)
    if query.as_of is not None and (kept := cache.get(_payload_key(query, suppress))) is not None:
        return dict(kept), None  # figures as of a past month never change: kept for good once computed
    result = indicator_figures.fetch(figures_arguments(query, suppress=suppress), retry=retry)
    if not result.ready:
        return None, result
    if result.current:
        return kept_payload(query, suppress=suppress, values=result.value), result
    return kpi_payload(query, suppress=suppress, values=result.value), result


def payload_for(query: Query, *, suppress: bool) -> dict[str, Any]:
    """The payload kept for ``query`` (current within ten minutes, or as of a past month for good), else computed."""
    if (cached := cache.get(_payload_key(query, suppress))) is not None:
        return dict(cached)
    return kept_payload(query, suppress=suppress)


def kept_payload(query: Query, *, suppress: bool, values: list[IndicatorValue] | None = None) -> dict[str, Any]:
    """The payload (of ``values`` when the worker has computed them, else computed here), kept where
    :func:`user_payload` and the start pages find it."""
    payload = kpi_payload(query, suppress=suppress, values=values)
    cache.set(_payload_key(query, suppress), payload, None if query.as_of is not None else CACHE_SECONDS)
    if query.as_of is None:  # a write of recorded facts moves the key on; start pages keep showing this meanwhile
        cache.set(_payload_key(query, suppress, latest=True), payload, CACHE_SECONDS)
    return payload


def comparison_payload(user: Any, *, indicator: str, scope: str, first_month: str | None = None,
                       last_month: str | None = None, references: list[str] | None = None,
                       as_of: str | None = None, own_payload: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The municipality's figure beside the published ones (its own and its reference municipalities'), month by
    month; None when the indicator has no public counterpart. Refused for an area: published figures are by
    municipality. The own figure is the KPI payload's, so it is suppressed as the user's role requires:
    ``own_payload`` when the caller has it (the page shows the worker's), else :func:`user_payload`'s."""
    from polku.kpi import comparison

    counterpart = comparison.counterpart_for(indicator)
    if counterpart is None:
        return None
    if own_payload is None:
        own_payload = user_payload(user, indicator=indicator, scope=scope, first_month=first_month,
                                   last_month=last_month, as_of=as_of)
    if own_payload["scope"]["kind"] != "municipality":
        raise ValidationFailed.single("scope", ErrorCode.INVALID,
                                      _("Julkiset tilastot ovat kuntakohtaisia: valitse vertailuun kunta."))
    municipality = own_payload["scope"]["code"]
    first, last = date.fromisoformat(own_payload["first_month"] + "-01"), date.fromisoformat(own_payload["last_month"] + "-01")
    own = {date.fromisoformat(v["period"] + "-01"): None if v["value"] is None else Decimal(v["value"])
           for v in own_payload["values"]}
    chosen = comparison.reference_set(municipality, references)
    result = comparison.build_comparison(counterpart, municipality, first, last, own=own, references=chosen)
    names = {m.code: m.name for m in Municipality.objects.filter(code__in=[municipality, *chosen.members])}

    def number(value: Decimal | None) -> str | None:
        """Published figures are stored with four decimals: ``314.0000`` is shown as ``314``."""
        return None if value is None else format(value.normalize(), "f")

    return {
        "indicator": indicator, "municipality": {"code": municipality, "name": names.get(municipality, municipality)},
        "first_month": own_payload["first_month"], "last_month": own_payload["last_month"],
        "counterpart": {"table": counterpart.table, "variable": counterpart.variable, "per": counterpart.per,
                        "source": counterpart.source, "url": counterpart.url},
        "reference_set": {"kind": chosen.kind, "reason": chosen.reason,
                          "municipalities": [{"code": c, "name": names.get(c, c)} for c in chosen.members]},
        "has_public_data": result.has_public_data,
        "data_sources": list(result.provenance.sources),
        "imported_at": None if result.provenance.imported_at is None else result.provenance.imported_at.isoformat(),
        "official_statistics": result.provenance.official,
        "rows": [{"month": f"{row.month:%Y-%m}", "polku": number(row.own), "official": number(row.official),
                  "difference": number(row.difference),
                  "references": [{"code": c, "value": number(v)}
                                 for c, v in zip(chosen.members, row.references, strict=True)]}
                 for row in result.rows],
    }


@dataclass(frozen=True)
class StateRow:
    """One of the state's assessment indicators beside Polku's nearest figure (None: not computed lately, or Polku
    holds no such data: ``held``)."""

    code: str
    name: str
    difference: str
    indicator: IndicatorDefinition | None
    held: bool
    value: Decimal | None
    period: str | None
    suppressed: bool
    ready: bool
    numerator: int | None = None
    denominator: int | None = None
    day: date | None = None  # a figure of one day (today's overdue share), not of a month


def state_assessment_rows(user: Any, scope: Scope, today: date) -> list[StateRow]:
    """The state's indicators for ``scope`` (an area) with Polku's nearest figures, as the indicator pages last
    computed them for this user (never computed here: the page does not wait); today's overdue share from the
    due-items table (its rebuild queued when it is not for today yet)."""
    assessment = state_assessment()
    codes = [row.indicator for row in assessment.indicators if row.indicator]
    payloads = cached_user_payloads(user, codes, scope=scope.code, first_month=f"{today.year - 2}-{today.month:02d}",
                                    last_month=f"{today:%Y-%m}", dimension=None, as_of=None) if codes else {}
    language = reader_language()
    rows = []
    for state in assessment.indicators:
        name, difference = text_in(state.name, language), \
            text_in(state.difference, language)
        if state.indicator:
            payload = payloads.get(state.indicator)
            latest = [v for v in (payload or {}).get("values", []) if v["value"] is not None or v.get("suppressed")]
            value = latest[-1] if latest else None
            rows.append(StateRow(
                state.code, name, difference, shipped_definitions().get(state.indicator), True,
                None if value is None or value["value"] is None else Decimal(value["value"]),
                value["period"] if value else None, bool(value and value.get("suppressed")), payload is not None))
        elif state.figure == "overdue_share":
            counts = overdue_share(set(scope.municipality_codes), today)
            if counts is None:
                queue_rebuild(today)  # the daily table is not for today yet: the worker builds it
            share = None if not counts or not counts[1] else (Decimal(100) * counts[0] / counts[1]).quantize(
                Decimal("0.1"))
            overdue, clients = counts or (None, None)
            rows.append(StateRow(state.code, name, difference, None, True, share, None, False, counts is not None,
                                 numerator=overdue, denominator=clients, day=today))
        else:
            rows.append(StateRow(state.code, name, difference, None, False, None, None, False, True))
    return rows
