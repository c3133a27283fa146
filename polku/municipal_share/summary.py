"""One municipality's municipal share over a period, under each rule variant: the engine's rows summed by month,
year, benefit and age group (``ShareSummary``), which the page, its charts and tables, the Excel workbook, the API and
the CLI all read.

Summing ten years of a city's benefit months takes from seconds to tens of seconds, so the page never computes it:
the worker does (``polku.core.precomputed``, the computation ``share-summary``), keyed by the municipality, the
period, the variants and the fingerprints of the rule book and of the facts, and queued again after an import. The
page shows the latest result with the time it was computed; the API, the CLI and the workbook may wait for a result
(:func:`share_summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from polku.core import precomputed, suppression
from polku.core.calendar import iter_months
from polku.municipal_share import aggregates, selectors
from polku.municipal_share.aggregates import AGE_GROUPS, age_group_of
from polku.municipal_share.engine import ShareRow
from polku.municipal_share.rules import IN_FORCE, RuleBook, forced_book
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.sql_engine import duckdb_share_rows_by_book
from polku.municipal_share.warning_jobs import facts_fingerprint
from polku.people.models import Person
from polku.timeline.models import BenefitType

COMPARISON_YEARS = (2024, 2025)
SMALL_CELL = suppression.SMALL_CELL_K  # person counts below this are hidden from aggregate-only roles
# The keys hold the facts' and the rule book's fingerprints, so a cached figure is never stale: it may live long.
CACHE_SECONDS_DEFAULT = 24 * 3600
SUMMARY = "share-summary"


@dataclass(frozen=True)
class Period:
    first_year: int
    last_year: int

    @property
    def first_month(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def last_month(self) -> date:
        return date(self.last_year, 12, 1)

    @property
    def months(self) -> list[date]:
        return list(iter_months(self.first_month, self.last_month))

    @property
    def key(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}-{self.last_year}"

    @property
    def label(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}–{self.last_year}"

    @property
    def compares_rules(self) -> bool:
        """Both rule sets side by side when the period touches the transition years 2024–2025."""
        return any(y in COMPARISON_YEARS for y in range(self.first_year, self.last_year + 1))



@dataclass(frozen=True)
class Figures:
    """Sums of engine rows; ``persons`` = persons with a municipal share above zero."""

    persons: int = 0
    paid_days: int = 0
    counted_days: int = 0
    paid_eur: Decimal = Decimal(0)
    municipal_eur: Decimal = Decimal(0)
    state_eur: Decimal = Decimal(0)

    @classmethod
    def of(cls, total: aggregates.ShareTotal | None) -> Figures:
        if total is None:
            return cls()
        return cls(total.billed_persons, total.paid_days, total.counted_days, total.paid_eur,
                   total.municipal_eur, total.state_eur)

    def as_dict(self, *, suppress: bool = False, persons: int | str | None = None) -> dict[str, Any]:
        """``persons``: the count as the reader may see it (from ``PersonCells.shown``)."""
        shown = suppressed(self.persons, suppress) if persons is None else persons
        return {"billed_persons": shown, "paid_days": self.paid_days,
                "counted_days": self.counted_days, "paid_eur": self.paid_eur, "municipal_eur": self.municipal_eur,
                "state_eur": self.state_eur}


def suppressed(persons: int, suppress: bool) -> int | str:
    """Primary suppression of one count alone; a table of counts with a total uses ``person_cells``."""
    return f"< {SMALL_CELL}" if suppress and 0 < persons < SMALL_CELL else persons



@dataclass(frozen=True)
class VariantSummary:
    variant: str
    by_month: dict[date, Figures]
    in_force_rule: dict[date, str]  # month -> rule set the figures of that month are computed under
    by_year: dict[int, Figures]
    by_benefit: dict[str, Figures]
    by_age: dict[str, Figures]
    total: Figures


@dataclass(frozen=True)
class ShareSummary:
    municipality: str
    period: Period
    variants: dict[str, VariantSummary] = field(default_factory=dict)

    def variant(self, code: str) -> VariantSummary:
        return self.variants[code]


def _birth_dates(person_ids: Sequence[Any]) -> dict[Any, date]:
    births: dict[Any, date] = {}
    for start in range(0, len(person_ids), selectors.BATCH):
        births.update(Person.objects.filter(pk__in=person_ids[start:start + selectors.BATCH])
                      .values_list("id", "birth_date"))
    return births


def _variant_summary(variant: str, rows: list[ShareRow], months: Sequence[date], rule_of: dict[date, str],
                     births: dict[Any, date]) -> VariantSummary:
    by_month = aggregates.totals(rows, by=["month"])
    by_year = aggregates.totals(rows, by=["year"])
    by_benefit = aggregates.totals(rows, by=["benefit_type"])
    by_age = aggregates.totals(rows, by=["age"], extra={"age": lambda r: age_group_of(births.get(r.person_id), r.month)})
    total = aggregates.totals(rows, by=[])
    years = sorted({m.year for m in months})
    return VariantSummary(
        variant=variant,
        by_month={m: Figures.of(by_month.get((m,))) for m in months},
        in_force_rule=rule_of,
        by_year={y: Figures.of(by_year.get((y,))) for y in years},
        by_benefit={b: Figures.of(by_benefit.get((b,))) for b in BenefitType.values if (b,) in by_benefit},
        by_age={g: Figures.of(by_age.get((g,))) for g in (*AGE_GROUPS, "?") if (g,) in by_age or g != "?"},
        total=Figures.of(total.get(())),
    )


def compute_summary(book: RuleBook, municipality: str, period: Period, variants: Sequence[str]) -> ShareSummary:
    """Engine results for one municipality and period under each variant (``in-force`` or a rule set code).

    Facts are read once; each rule set needed is run once with a forced rule book, and ``in-force`` takes,
    month by month, the rows of the rule set in force for that month.
    """
    months = period.months
    in_force = {m: rule.code for m in months if (rule := book.for_month(m)) is not None}
    needed = set(in_force.values()) if IN_FORCE in variants else set()
    needed |= {v for v in variants if v != IN_FORCE}
    person_ids = selectors.persons_billed_to([municipality], period.first_month, period.last_month)
    facts = list(selectors.person_facts(person_ids))
    # The SQL engine in an in-memory DuckDB: same rows as the reference engine, fast enough for a city.
    rows_by_rule = duckdb_share_rows_by_book(facts, {code: forced_book(book, code) for code in sorted(needed)},
                                             through=period.last_month, since=period.first_month,
                                             municipality=municipality)
    births = _birth_dates(person_ids)
    out: dict[str, VariantSummary] = {}
    for variant in variants:
        if variant == IN_FORCE:
            rows = [r for code in sorted(needed) for r in rows_by_rule[code] if in_force.get(r.month) == code]
            out[variant] = _variant_summary(variant, rows, months, in_force, births)
        else:
            out[variant] = _variant_summary(variant, rows_by_rule[variant], months, dict.fromkeys(months, variant),
                                            births)
    return ShareSummary(municipality=municipality, period=period, variants=out)


def caching() -> bool:
    """Whether summaries are kept and computed by the worker; ``POLKU_SHARE_CACHE_SECONDS = 0`` computes each one
    where it is asked for (tests whose facts change between two reads of the same page)."""
    return int(getattr(settings, "POLKU_SHARE_CACHE_SECONDS", CACHE_SECONDS_DEFAULT)) > 0


def summary_request(book: RuleBook, municipality: str, period: Period, variants: Sequence[str]) -> dict[str, Any]:
    """The keys and arguments of one summary (for :func:`polku.core.precomputed.fetch`): the same for every reader,
    since suppression is applied when the summary is shown."""
    scope = f"{municipality}|{period.key}|{','.join(variants)}"
    return {"inputs": f"{scope}|{book.fingerprint()}|{facts_fingerprint()}", "scope": scope,
            "arguments": {"municipality": municipality, "first_year": period.first_year,
                          "last_year": period.last_year, "variants": list(variants), "rule_book": book.fingerprint()}}


def _asked_again(arguments: dict[str, Any]) -> dict[str, Any]:
    """After a data change: the same summary, keyed by the facts and rules as they are now."""
    return summary_request(current_rule_book(), arguments["municipality"],
                           Period(arguments["first_year"], arguments["last_year"]), arguments["variants"])


@precomputed.computation(SUMMARY, seconds=CACHE_SECONDS_DEFAULT, request=_asked_again)
def summary_job(*, municipality: str, first_year: int, last_year: int, variants: list[str],
                rule_book: str) -> ShareSummary:
    """The job's body: the summary under the rule book in force now, which must be the one the page asked under (a
    worker configured with another rule file fails the job instead of keeping figures under the page's key)."""
    book = current_rule_book()
    if book.fingerprint() != rule_book:
        raise RuntimeError("The worker's municipal-share rule book differs from the web server's.")
    return compute_summary(book, municipality, Period(first_year, last_year), variants)


def share_summary(book: RuleBook, municipality: str, period: Period, variants: Sequence[str]) -> ShareSummary:
    """The summary now, computed here if the worker has not computed it yet (for readers that may wait: the API, the
    CLI, the workbook). A rule book other than the one in force (a command's own rule file) is always computed here."""
    if not caching() or book.fingerprint() != current_rule_book().fingerprint():
        return compute_summary(book, municipality, period, variants)
    return precomputed.current_or_compute(SUMMARY, **summary_request(book, municipality, period, variants))
