"""Rule sets of the municipal share as versioned data (``data/rule_sets.json``), and daily basic amounts.

A rule set says which benefits and payment bases count towards the day counter and which are billed,
where the share steps are, whether a step applies from the exact day or from the next payment period,
what resets the counter, and its legal source. ``verified`` is false for anything domain-rules §9 lists
as unconfirmed: screens and the API show such results as unverified until an administrator confirms the
rule set (``polku share_rules --confirm CODE``), which is recorded in the database, not in this file.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from polku.core.languages import text_in

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Step:
    """From the ``from_day``-th counted day on, the municipality pays ``share`` of the billed amount."""

    from_day: int
    share: Decimal


@dataclass(frozen=True)
class RuleSet:
    code: str
    name_fi: str
    name_sv: str
    name_en: str
    valid_from: date
    valid_to: date | None
    benefit_types: tuple[str, ...]
    counted_bases: tuple[str, ...]
    billed_bases: tuple[str, ...]
    step_boundary: str  # "day": from the exact day; "payment_period": from the next payment period (month)
    steps: tuple[Step, ...]
    reset: str  # "employment_condition" or "employment_condition_then_allowance"
    basic_part_only: tuple[str, ...]  # benefits billed on their basic-part equivalent, not the amount paid
    verified: bool
    source: str
    note: str
    # Days paid before this date do not count (None: every paid day since the last reset counts). Whether the
    # 2025 counter carries days paid before 2025 is unconfirmed (domain-rules §9.2), so it is data, not code.
    counts_days_from: date | None = None
    # What the rule does, for a reader, in Finnish, Swedish and English ((language, text) pairs); ``source`` is
    # the citation with the developers' notes. Empty in a rule file without one: pages then show the source.
    summary: tuple[tuple[str, str], ...] = ()

    def summary_in(self, language: str) -> str:
        texts = dict(self.summary)
        return text_in(texts, language[:2])

    def applies_to(self, month: date) -> bool:
        return self.valid_from <= month and (self.valid_to is None or month <= self.valid_to)

    def counts(self, benefit_type: str, basis: str, month: date) -> bool:
        return (benefit_type in self.benefit_types and basis in self.counted_bases
                and (self.counts_days_from is None or month >= self.counts_days_from))

    def bills(self, benefit_type: str, basis: str) -> bool:
        return benefit_type in self.benefit_types and basis in self.billed_bases

    def share_for_day(self, ordinal: int) -> Decimal:
        """Share of the ``ordinal``-th counted day (1-based) under this rule's steps."""
        share = Decimal(0)
        for step in self.steps:
            if ordinal >= step.from_day:
                share = step.share
        return share

    def step_index(self, counter: int) -> int:
        """How many steps a counter value has reached (0 = none)."""
        return sum(1 for step in self.steps if counter >= step.from_day)

    @property
    def max_share(self) -> Decimal:
        return max((s.share for s in self.steps), default=Decimal(0))


@dataclass(frozen=True)
class RuleBook:
    """All rule sets and the daily basic amounts: everything the engine needs besides the facts."""

    rule_sets: tuple[RuleSet, ...]
    basic_daily: dict[int, Decimal]

    def for_month(self, month: date) -> RuleSet | None:
        return next((r for r in self.rule_sets if r.applies_to(month)), None)

    def by_code(self, code: str) -> RuleSet:
        for rule in self.rule_sets:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def basic_daily_amount(self, year: int) -> Decimal:
        if year in self.basic_daily:
            return self.basic_daily[year]
        nearest = min(self.basic_daily, key=lambda y: abs(y - year))
        return self.basic_daily[nearest]

    def fingerprint(self) -> str:
        """A short hash of everything in the book (rules, their readings and confirmations, daily amounts): caches
        of computed shares are keyed by it, so a confirmation or another rule file is never answered from an old
        computation."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]

    def with_confirmed(self, codes: set[str]) -> RuleBook:
        return replace(self, rule_sets=tuple(replace(r, verified=r.verified or r.code in codes)
                                             for r in self.rule_sets))


REQUIRED_KEYS = frozenset({"code", "name_fi", "name_sv", "name_en", "valid_from", "valid_to", "benefit_types",
                           "counted_bases", "billed_bases", "step_boundary", "steps", "reset", "basic_part_only",
                           "verified", "source", "note"})
OPTIONAL_KEYS = frozenset({"counts_days_from", "summary"})
LANGUAGES = ("fi", "sv", "en")


def _date(entry: dict, key: str, where: str) -> date | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}.{key}: not a date (YYYY-MM-DD): {value!r}") from None


def _rule_set(entry: dict, where: str) -> RuleSet:
    """One rule set from the file; a misspelt or missing key is refused naming it, because a key that is silently
    ignored (say ``count_days_from``) would quietly select another reading of the law."""
    unknown = sorted(set(entry) - REQUIRED_KEYS - OPTIONAL_KEYS)
    missing = sorted(REQUIRED_KEYS - set(entry))
    if unknown or missing:
        raise ValueError(f"{where}: " + "; ".join(
            ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) +
            ([f"missing key(s) {', '.join(missing)}"] if missing else [])))
    valid_from = _date(entry, "valid_from", where)
    if valid_from is None:
        raise ValueError(f"{where}.valid_from: required")
    return RuleSet(
        code=entry["code"], name_fi=entry["name_fi"], name_sv=entry["name_sv"], name_en=entry["name_en"],
        valid_from=valid_from, valid_to=_date(entry, "valid_to", where),
        benefit_types=tuple(entry["benefit_types"]), counted_bases=tuple(entry["counted_bases"]),
        billed_bases=tuple(entry["billed_bases"]), step_boundary=entry["step_boundary"],
        steps=tuple(Step(int(s["from_day"]), Decimal(s["share"])) for s in entry["steps"]),
        reset=entry["reset"], basic_part_only=tuple(entry["basic_part_only"]), verified=bool(entry["verified"]),
        source=entry["source"], note=entry["note"], counts_days_from=_date(entry, "counts_days_from", where),
        summary=_summary(entry, where),
    )


def _summary(entry: dict, where: str) -> tuple[tuple[str, str], ...]:
    raw = entry.get("summary")
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(isinstance(raw.get(lang), str) and raw[lang].strip() for lang in LANGUAGES):
        raise ValueError(f"{where}.summary: a text in each of {', '.join(LANGUAGES)}")
    return tuple((lang, raw[lang].strip()) for lang in LANGUAGES)


def shipped_rule_book() -> RuleBook:
    """The rule sets and amounts in force in this installation (before any administrator confirmation): the
    shipped ``data/rule_sets.json``, or the file the ``POLKU_SHARE_RULES_FILE`` setting names, e.g. to choose
    how the unverified parts are read until the law is checked (domain-rules §9)."""
    from django.conf import settings

    return _rule_book(getattr(settings, "POLKU_SHARE_RULES_FILE", None) or str(DATA_DIR / "rule_sets.json"))


@cache
def _rule_book(path: str) -> RuleBook:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    with (DATA_DIR / "basic_daily_amounts.csv").open(encoding="utf-8", newline="") as handle:
        amounts = {int(row["year"]): Decimal(row["eur_per_day"]) for row in csv.DictReader(handle)}
    try:
        rule_sets = tuple(_rule_set(e, f"[{i}] {e.get('code', '?')}") for i, e in enumerate(entries))
    except ValueError as error:
        raise ImproperlyConfigured(f"Municipal-share rule file {path}: {error}") from None
    return RuleBook(rule_sets=rule_sets, basic_daily=amounts)


# The rule choice "whichever rule set is in force each month" (``forced_book`` gives one rule set for every month).
IN_FORCE = "in-force"
EPOCH = date(1900, 1, 1)


def forced_book(book: RuleBook, code: str) -> RuleBook:
    """A rule book in which rule set ``code`` is in force for every month (for what-if comparisons): "as if this rule
    had always applied", so it also counts every paid day (a ``counts_days_from`` transition reading would make the
    forced rule count nothing before its own start)."""
    rule = book.by_code(code)
    return replace(book, rule_sets=(replace(rule, valid_from=EPOCH, valid_to=None, counts_days_from=None),))
