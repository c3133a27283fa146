"""The statutory client process as versioned rule sets (``data/process_rules.json``).

Each rule set is a law version with its effective dates and legal source; every rule inside carries its
own source (cited in Finnish, and in Swedish and English for the reader of a page in those) and a ``verified``
flag (false for what domain-rules §9 lists as unconfirmed, shown as "vahvistamaton" on every screen and in the
API). A new law version is a new entry in the data file, or in
the file named by the ``POLKU_PROCESS_RULES_FILE`` setting, with no code change: the due-item engine only
reads the parameters below.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from polku.core.errors import ErrorCode, FieldError, ValidationFailed

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Rule:
    """One rule's parameters, its legal source and whether the value is confirmed."""

    code: str
    params: dict[str, Any]
    source: str  # in Finnish, as the law is cited (the due items and the API keep this one)
    verified: bool
    # The same citation in Swedish and English. Out of the rule's repr, which keys the due-items table
    # (due_table.rule_book_key): the table keeps the Finnish citation, so a translation does not make it stale.
    source_translations: dict[str, str] = field(default_factory=dict, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def source_in(self, language: str) -> tuple[str, str]:
        """The source in ``language`` where the rule book has it, else in Finnish: ``(text, its language)``."""
        translated = self.source_translations.get(language)
        return (translated, language) if translated else (self.source, "fi")


@dataclass(frozen=True)
class ReducedCase:
    """A reduced application obligation (domain-rules §4): ``count`` applications per ``period_months``."""

    code: str
    count: int
    period_months: int
    name: dict[str, str]
    source: str


RULE_CODES = (
    "initial_interview", "intensive_period", "regular_conversations", "repeated_intensive",
    "supplementary_conversations", "part_time", "application_obligation", "binding_job_offers",
)
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "initial_interview": ("working_days",),
    "intensive_period": ("months", "interval_days"),
    "regular_conversations": ("interval_months",),
    "repeated_intensive": ("at_months", "length_months", "interval_days"),
    "supplementary_conversations": ("need_based", "long_term_months", "every_months", "window_months", "count"),
    "part_time": ("interval_months",),
    "application_obligation": ("default", "min", "max", "period_months", "reduced_cases"),
    "binding_job_offers": ("after_months",),
}


@dataclass(frozen=True)
class ProcessRuleSet:
    code: str
    name: dict[str, str]
    effective_from: date
    effective_to: date | None
    law: str
    rules: dict[str, Rule]

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def rule(self, code: str) -> Rule:
        return self.rules[code]

    @property
    def verified(self) -> bool:
        return all(rule.verified for rule in self.rules.values())

    @property
    def unverified_rules(self) -> list[Rule]:
        return [rule for rule in self.rules.values() if not rule.verified]

    def reduced_cases(self) -> dict[str, ReducedCase]:
        return {
            case["code"]: ReducedCase(code=case["code"], count=int(case["count"]), period_months=int(case["period_months"]),
                                      name=case["name"], source=case["source"])
            for case in self.rule("application_obligation")["reduced_cases"]
        }


@dataclass(frozen=True)
class ProcessRuleBook:
    rule_sets: tuple[ProcessRuleSet, ...]

    def in_force(self, day: date) -> ProcessRuleSet:
        """The rule set in force on ``day``; before the Nordic model (2.5.2022) the first one is used."""
        for rule_set in self.rule_sets:
            if rule_set.in_force(day):
                return rule_set
        return self.rule_sets[0] if day < self.rule_sets[0].effective_from else self.rule_sets[-1]

    def by_code(self, code: str) -> ProcessRuleSet:
        for rule_set in self.rule_sets:
            if rule_set.code == code:
                return rule_set
        raise KeyError(code)


def _parse_date(value: Any, where: str, errors: list[FieldError]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError(where, ErrorCode.INVALID, "Päivämäärä muodossa VVVV-KK-PP."))
        return None


def _parse_rule(code: str, raw: Any, where: str, errors: list[FieldError]) -> Rule | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(where, ErrorCode.REQUIRED, f"Sääntö {code} puuttuu."))
        return None
    missing = [name for name in (*REQUIRED_PARAMS[code], "source", "verified") if name not in raw]
    if missing:
        errors.append(FieldError(where, ErrorCode.REQUIRED, f"Säännöstä puuttuu: {', '.join(missing)}."))
        return None
    sources = _parse_source(raw["source"], f"{where}.source", errors)
    params = {key: value for key, value in raw.items() if key not in {"source", "verified"}}
    return Rule(code=code, params=params, source=sources.pop("fi", ""), verified=bool(raw["verified"]),
                source_translations=sources)


SOURCE_LANGUAGES = ("fi", "sv", "en")


def _parse_source(raw: Any, where: str, errors: list[FieldError]) -> dict[str, str]:
    """A rule's source: its Finnish citation as text, or ``{"fi": …, "sv": …, "en": …}`` (Finnish required)."""
    sources = {key: value.strip() if isinstance(value, str) else "" for key, value in raw.items()} \
        if isinstance(raw, dict) else {"fi": raw.strip() if isinstance(raw, str) else ""}
    unknown = sorted(set(sources) - set(SOURCE_LANGUAGES))
    if unknown:
        errors.append(FieldError(where, ErrorCode.INVALID, f"Tuntematon kieli: {', '.join(unknown)} (fi, sv tai en)."))
    if not sources.get("fi"):
        errors.append(FieldError(f"{where}.fi" if isinstance(raw, dict) else where, ErrorCode.REQUIRED,
                                 "Jokaisella säännöllä on oltava lähde."))
    return {key: value for key, value in sources.items() if value and key in SOURCE_LANGUAGES}


def parse_rule_book(document: dict[str, Any]) -> ProcessRuleBook:
    """Validate a rules document; refuse it whole, naming every bad JSON path."""
    errors: list[FieldError] = []
    rule_sets: list[ProcessRuleSet] = []
    for index, raw in enumerate(document.get("rule_sets") or []):
        where = f"rule_sets[{index}]"
        start = _parse_date(raw.get("effective_from"), f"{where}.effective_from", errors)
        end = _parse_date(raw.get("effective_to"), f"{where}.effective_to", errors)
        if start is None:
            errors.append(FieldError(f"{where}.effective_from", ErrorCode.REQUIRED, "Voimaantulopäivä puuttuu."))
        if start and end and end < start:
            errors.append(FieldError(f"{where}.effective_to", ErrorCode.END_BEFORE_START, "Päättyy ennen alkua."))
        rules: dict[str, Rule] = {}
        for code in RULE_CODES:
            rule = _parse_rule(code, (raw.get("rules") or {}).get(code), f"{where}.rules.{code}", errors)
            if rule is not None:
                rules[code] = rule
        if start is not None:
            rule_sets.append(ProcessRuleSet(code=str(raw.get("code", "")), name=raw.get("name") or {}, effective_from=start,
                                            effective_to=end, law=str(raw.get("law", "")), rules=rules))
    if not rule_sets and not errors:
        errors.append(FieldError("rule_sets", ErrorCode.REQUIRED, "Sääntökokoelmia ei ole."))
    ordered = sorted(rule_sets, key=lambda r: r.effective_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            errors.append(FieldError(f"rule_sets.{later.code}.effective_from", ErrorCode.OVERLAP,
                                     f"Voimassaolo menee päällekkäin sääntökokoelman {earlier.code} kanssa."))
    if errors:
        raise ValidationFailed(errors)
    return ProcessRuleBook(rule_sets=tuple(ordered))


@cache
def _load(path: str) -> ProcessRuleBook:
    return parse_rule_book(json.loads(Path(path).read_text(encoding="utf-8")))


def shipped_rule_book() -> ProcessRuleBook:
    """The rule book in force: the shipped data file, or the one the deployment names in its settings."""
    path = getattr(settings, "POLKU_PROCESS_RULES_FILE", None) or str(DATA_DIR / "process_rules.json")
    return _load(str(path))


@dataclass(frozen=True)
class CaseloadTarget:
    municipality: str
    max_clients: int
    source: str


@cache
def caseload_targets() -> dict[str, CaseloadTarget]:
    """Programme targets for clients per counsellor, by municipality (Sotkamo: at most 80)."""
    raw = json.loads((DATA_DIR / "caseload_targets.json").read_text(encoding="utf-8"))
    return {t["municipality"]: CaseloadTarget(t["municipality"], int(t["max_clients"]), t["source"]) for t in raw["targets"]}
