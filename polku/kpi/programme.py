"""Employment programmes as data, and their progress: actual against the straight path to the target.

A programme file (JSON, see ``data/programmes/``) lists promises, their goals, the goals' actions,
responsible parties and indicators; each indicator names a Polku indicator (or is ``manual``, followed
outside Polku) with a baseline in the baseline year, a target in the target year and a direction.
Progress compares the latest actual with the straight path from baseline to target: on track if at
least as good as the path, at risk if short of it by no more than ``tolerance_share`` of the whole
planned change, off track otherwise. Without a numeric target, the actual is compared with the
baseline (the direction only); without a baseline, with the target itself.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.core.languages import text_in
from polku.kpi.definitions import shipped_definitions
from polku.kpi.models import Programme

DIRECTIONS = ("increase", "decrease")
CODE_MAX_LENGTH = 80  # the model's slug field
CODE_PATTERN = re.compile(rf"[a-z0-9_-]{{1,{CODE_MAX_LENGTH}}}")
LANGUAGES = ("fi", "sv", "en")


def text(value: dict[str, str] | None) -> str:
    if not value:
        return ""
    return text_in(value)


def _texts(raw: Any, path: str, errors: list[FieldError]) -> None:
    if not isinstance(raw, dict) or not all(str(raw.get(lang, "")).strip() for lang in LANGUAGES):
        errors.append(FieldError(path, ErrorCode.REQUIRED, "Teksti suomeksi, ruotsiksi ja englanniksi (fi, sv, en)."))


def _number(raw: Any, path: str, errors: list[FieldError]) -> None:
    # JSON as Python reads it admits NaN and Infinity, which no target or baseline can be.
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw)):
        errors.append(FieldError(path, ErrorCode.INVALID, "Luku tai null."))


def validate_document(document: Any) -> list[FieldError]:
    """Every problem of a programme document, each with its JSON path.

    The structure is checked before the contents so that a malformed file (a promise that is a string,
    goals that are not a list) gets a list of problems instead of failing half-way through.
    """
    from polku.kpi.selectors import scope_for

    errors: list[FieldError] = []
    if not isinstance(document, dict):
        return [FieldError("$", ErrorCode.INVALID, "Ohjelma on JSON-olio.")]
    for field in ("code", "scope", "name", "source", "baseline_year", "target_year", "promises"):
        if field not in document:
            errors.append(FieldError(field, ErrorCode.REQUIRED, "Pakollinen kenttä puuttuu."))
    if errors:
        return errors
    code = document["code"]
    if not (isinstance(code, str) and CODE_PATTERN.fullmatch(code)):
        errors.append(FieldError("code", ErrorCode.INVALID,
                                 f"Tunnus on 1–{CODE_MAX_LENGTH} merkkiä: pienet kirjaimet a–z, numerot, - ja _."))
    _texts(document["name"], "name", errors)
    try:
        scope_for(str(document["scope"]))
    except ValidationFailed:
        errors.append(FieldError("scope", ErrorCode.UNKNOWN, f"Tuntematon kunta tai alue: {document['scope']!r}."))
    baseline_year, target_year = document["baseline_year"], document["target_year"]
    if not (isinstance(baseline_year, int) and isinstance(target_year, int) and baseline_year < target_year):
        errors.append(FieldError("target_year", ErrorCode.INVALID, "Tavoitevuosi on lähtötasovuoden jälkeen."))
    if "tolerance_share" in document:
        tolerance = document["tolerance_share"]
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance <= 1:
            errors.append(FieldError("tolerance_share", ErrorCode.INVALID, "Luku väliltä 0–1."))
    promises = _list_of(document["promises"], "promises", errors, objects=True)
    if not promises and not any(error.field.startswith("promises") for error in errors):
        errors.append(FieldError("promises", ErrorCode.REQUIRED, "Ohjelmassa on lupauksia."))
    for p, promise in promises:
        _promise(promise, f"promises[{p}]", errors)
    return errors


def _list_of(raw: Any, path: str, errors: list[FieldError], *, objects: bool) -> list[tuple[int, Any]]:
    """The (index, item) pairs of a list field; callers pass ``[]`` for an optional field that is missing.

    A non-list (``null`` included) is a problem; with ``objects``, so is each item that is not an object, and it is
    left out.
    """
    if not isinstance(raw, list):
        errors.append(FieldError(path, ErrorCode.INVALID, "Luettelo ([...])."))
        return []
    if objects:
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                errors.append(FieldError(f"{path}[{index}]", ErrorCode.INVALID, "JSON-olio ({...})."))
        return [(index, item) for index, item in enumerate(raw) if isinstance(item, dict)]
    return list(enumerate(raw))


def _promise(promise: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    _texts(promise.get("title"), f"{path}.title", errors)
    goals = _list_of(promise.get("goals", []), f"{path}.goals", errors, objects=True)
    if not goals and not any(error.field == f"{path}.goals" for error in errors):
        errors.append(FieldError(f"{path}.goals", ErrorCode.REQUIRED, "Lupauksella on tavoitteita."))
    for g, goal in goals:
        where = f"{path}.goals[{g}]"
        _texts(goal.get("title"), f"{where}.title", errors)
        for a, action in _list_of(goal.get("actions", []), f"{where}.actions", errors, objects=False):
            _texts(action, f"{where}.actions[{a}]", errors)
        for r, party in _list_of(goal.get("responsible", []), f"{where}.responsible", errors, objects=False):
            if not isinstance(party, str) or not party.strip():
                errors.append(FieldError(f"{where}.responsible[{r}]", ErrorCode.INVALID, "Vastuutaho on teksti."))
        for i, indicator in _list_of(goal.get("indicators", []), f"{where}.indicators", errors, objects=True):
            _indicator(indicator, f"{where}.indicators[{i}]", errors)


def _indicator(indicator: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    if "manual" in indicator and indicator.get("indicator") is not None:
        errors.append(FieldError(f"{where}.indicator", ErrorCode.INVALID,
                                 "Mittari on joko Polun mittari (indicator) tai muualla seurattava (manual), ei molempia."))
    elif "manual" in indicator:
        _texts(indicator["manual"], f"{where}.manual", errors)
    elif not isinstance(indicator.get("indicator"), str) or indicator["indicator"] not in shipped_definitions().codes:
        errors.append(FieldError(f"{where}.indicator", ErrorCode.UNKNOWN,
                                 f"Tuntematon mittari {indicator.get('indicator')!r}."))
    if indicator.get("direction") not in DIRECTIONS:
        errors.append(FieldError(f"{where}.direction", ErrorCode.INVALID, "increase tai decrease."))
    _number(indicator.get("baseline"), f"{where}.baseline", errors)
    _number(indicator.get("target"), f"{where}.target", errors)
    if indicator.get("baseline") is None and indicator.get("target") is None:
        errors.append(FieldError(f"{where}.target", ErrorCode.REQUIRED, "Anna lähtötaso tai tavoite."))
    if "note" in indicator:
        _texts(indicator["note"], f"{where}.note", errors)


@transaction.atomic
def programme_import(data: bytes, *, user: Any = None) -> Programme:
    """Import (or replace) a programme from its JSON file: whole or not at all."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed.single("$", ErrorCode.INVALID, f"Tiedosto ei ole JSON-muotoinen: {error}.") from None
    errors = validate_document(document)
    if errors:
        raise ValidationFailed(errors)
    programme, _ = Programme.objects.update_or_create(
        code=document["code"],
        defaults={"scope": str(document["scope"]), "name_fi": document["name"]["fi"], "document": document,
                  "imported_by": user if getattr(user, "is_authenticated", False) else None},
    )
    return programme


# --- progress (pure) -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """One programme indicator's standing in ``year``."""

    promise: str
    goal: str
    indicator: str | None  # Polku indicator code; None when followed outside Polku
    label: str
    baseline: Decimal | None
    target: Decimal | None
    direction: str
    year: int
    path_value: Decimal | None  # where the straight path from baseline to target is in ``year``
    actual: Decimal | None
    status: str  # on_track | at_risk | off_track | no_data | manual
    note: str
    responsible: tuple[str, ...]


def path_value(baseline: Decimal, target: Decimal, baseline_year: int, target_year: int, year: int) -> Decimal:
    share = Decimal(min(max(year, baseline_year), target_year) - baseline_year) / Decimal(target_year - baseline_year)
    return baseline + (target - baseline) * share


def status(actual: Decimal | None, baseline: Decimal | None, target: Decimal | None, direction: str,  # noqa: PLR0917
           reference: Decimal | None, tolerance_share: Decimal) -> str:
    if actual is None:
        return "no_data"
    sign = Decimal(1) if direction == "increase" else Decimal(-1)
    goal = reference if reference is not None else target if target is not None else baseline
    assert goal is not None
    shortfall = (goal - actual) * sign  # > 0: worse than where the programme should be
    if shortfall <= 0:
        return "on_track"
    scale = abs(target - baseline) if target is not None and baseline is not None else abs(goal)
    return "at_risk" if shortfall <= tolerance_share * scale else "off_track"


def programme_progress(document: dict[str, Any], actuals: dict[str, Decimal | None], year: int) -> list[Progress]:
    """Every indicator of the programme in ``year`` given the actual figures by indicator code."""
    tolerance = Decimal(str(document.get("tolerance_share", 0.25)))
    by, ty = int(document["baseline_year"]), int(document["target_year"])
    rows = []
    for promise in document["promises"]:
        for goal in promise["goals"]:
            for item in goal.get("indicators", []):
                baseline = None if item.get("baseline") is None else Decimal(str(item["baseline"]))
                target = None if item.get("target") is None else Decimal(str(item["target"]))
                code = item.get("indicator")
                reference = path_value(baseline, target, by, ty, year) if baseline is not None and target is not None \
                    else None
                if code is None:
                    label, actual, state = text(item.get("manual")), None, "manual"
                else:
                    label, actual = shipped_definitions().get(code).title, actuals.get(code)
                    state = status(actual, baseline, target, item["direction"], reference, tolerance)
                rows.append(Progress(
                    promise=text(promise["title"]), goal=text(goal["title"]), indicator=code, label=label,
                    baseline=baseline, target=target, direction=item["direction"], year=year, path_value=reference,
                    actual=actual, status=state, note=text(item.get("note")),
                    responsible=tuple(goal.get("responsible", [])),
                ))
    return rows
