"""From a file's rows to checked records of the exchange format.

Each row is mapped through the profile (its column names and code lists), converted by the field types of the
schema, and checked on its own (required values, code lists, ranges, dates in order, a service only on a spell in a
service …). A row either becomes a :class:`Record` or yields problems naming the row, the column (as the file names
it) and the reason; an identity code is never repeated in a problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from polku.core import tabular
from polku.core.calendar import max_benefit_days_in_month, month_start
from polku.core.errors import ValidationFailed
from polku.core.logging import PERSONAL_ID_PATTERN
from polku.exchange.profiles import WILDCARD, EntityMapping, Profile
from polku.exchange.readers import OpenedFile
from polku.exchange.schema import Entity, Field
from polku.people import personal_id
from polku.provision.services import business_id_compact
from polku.timeline.validators import FUTURE_LIMIT, check_amount


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str
    code: str
    message: str


@dataclass(slots=True)
class Record:
    """One checked row: its source key, the person it belongs to, its values in our codes, and a content digest."""

    entity: str
    file: str
    row: int
    system: str
    source_id: str
    values: dict[str, Any]
    # ("id", source id) or ("hash", keyed hash of the identity code); the person's system when the row names it.
    person_ref: tuple[str, str] | None = None
    person_system: str = ""
    deleted: bool = False
    digest: str = ""
    person_key: Any = None  # filled when persons are resolved: the Person's id (a new uuid4 for a new person)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.system, self.source_id

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its fields in order (a large import spills every record to disk and back): half the time of
        the default protocol for objects with slots, which goes through ``copyreg`` for each one."""
        return (Record, (self.entity, self.file, self.row, self.system, self.source_id, self.values, self.person_ref,
                         self.person_system, self.deleted, self.digest, self.person_key, self.extra))


_CANONICAL_JSON = json.JSONEncoder(sort_keys=True)  # as json.dumps(…, sort_keys=True), made once


def digest(entity: Entity, values: dict[str, Any]) -> str:
    """A content hash of the record's values: equal values, equal digest, whichever file format they came in."""
    canonical = {name: _canonical(values.get(name)) for name in entity.content_fields if name != "personal_id"}
    if entity.name == "persons":
        canonical["personal_id"] = values.get("personal_id_hash", "")
    return hashlib.md5(_CANONICAL_JSON.encode(canonical).encode(), usedforsecurity=False).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


class ColumnMap:
    """Which of the file's headers carries each of our fields, and the problems with the header itself."""

    def __init__(self, entity: Entity, mapping: EntityMapping, opened: OpenedFile) -> None:
        self.entity = entity
        self.mapping = mapping
        self.file = opened.name
        present = set(opened.header)
        self.columns: dict[str, str] = {}
        self.problems: list[Problem] = []
        for f in entity.fields:
            header = next((h for h in mapping.headers_for(f.name) if h in present), None)
            if header is not None:
                self.columns[f.name] = header
            elif f.required and not (entity.has_person and f.name == "personal_id"):
                shown = mapping.columns.get(f.name, (f.name,))[0]
                self.problems.append(Problem(self.file, 1, shown, "required",
                                             f"Sarake {shown} puuttuu ({f.title['fi']})."))
        if mapping.strict_columns:
            known = {h for f in entity.fields for h in mapping.headers_for(f.name)}
            for header in opened.header:
                if header and header not in known:
                    self.problems.append(Problem(self.file, 1, header, "unknown",
                                                 f"Tuntematon sarake {header}: tarkista sarakkeen nimi."))
        if entity.has_person and not ({"person_id", "personal_id"} & set(self.columns)):
            shown = mapping.columns.get("person_id", ("person_id",))[0]
            self.problems.append(Problem(self.file, 1, shown, "required",
                                         f"Sarake {shown} tai personal_id puuttuu: rivi ei kerro, kenen tieto se on."))


class RowReader:
    """Turns the rows of one opened file into records, collecting problems."""

    def __init__(self, profile: Profile, entity: Entity, opened: OpenedFile) -> None:
        self.profile = profile
        self.entity = entity
        self.opened = opened
        self.map = ColumnMap(entity, profile.mappings[entity.name], opened)
        self.codes = profile.mappings[entity.name].codes
        self.latest = timezone.localdate() + FUTURE_LIMIT
        self.refused = 0  # rows with at least one problem
        # One converter per field, made once: a file has millions of cells and few columns.
        self.converters = [(f.name, self.map.columns.get(f.name), f.title["fi"], converter(f, self.codes.get(f.name)))
                           for f in entity.fields]
        self.this_month = month_start(timezone.localdate())

    def records(self, problems: list[Problem]) -> Iterator[Record]:
        problems.extend(self.map.problems)
        if self.map.problems:
            return
        for number, raw in self.opened.rows:
            if "__extra__" in raw:
                problems.append(Problem(self.opened.name, number, "", "invalid",
                                        "Rivillä on enemmän arvoja kuin otsikkorivillä sarakkeita."))
                self.refused += 1
                continue
            if "__json__" in raw:
                problems.append(Problem(self.opened.name, number, "", "invalid", "Rivi ei ole JSON-objekti."))
                self.refused += 1
                continue
            found: list[Problem] = []
            record = self._record(number, raw, found)
            problems.extend(found)
            self.refused += bool(found)
            if record is not None and not found:
                yield record

    # -- one row ---------------------------------------------------------------------------------------------

    def _problem(self, found: list[Problem], number: int, field_name: str, code: str, message: str) -> None:
        found.append(Problem(self.opened.name, number, self.map.columns.get(field_name, field_name), code, message))

    def _record(self, number: int, raw: dict[str, Any], found: list[Problem]) -> Record | None:
        values: dict[str, Any] = {}
        for name, header, title, convert in self.converters:
            try:
                values[name] = convert(raw.get(header) if header is not None else None)
            except ValueError as refused:
                self._problem(found, number, name, "invalid", f"{title}: {refused}.")
        if found:
            return None
        self._check(number, values, found)
        if found:
            return None
        source_id = values.pop("source_id")
        system = values.pop("source_system") or self.profile.system
        deleted = bool(values.pop("deleted", False))
        record = Record(self.entity.name, self.opened.name, number, system, source_id, values, deleted=deleted)
        if PERSONAL_ID_PATTERN.search(source_id) or PERSONAL_ID_PATTERN.search(str(values.get("person_id") or "")):
            column = "source_id" if PERSONAL_ID_PATTERN.search(source_id) else "person_id"
            self._problem(found, number, column, "invalid",
                          "Tunniste näyttää henkilötunnukselta: henkilötunnus kuuluu vain sarakkeeseen personal_id.")
            return None
        if self.entity.has_person:
            record.person_system = values.pop("person_system", "") or ""
            person_source = values.pop("person_id", None)
            code = values.pop("personal_id", None)
            if person_source:
                record.person_ref = ("id", person_source)
            elif code:
                try:
                    compact = personal_id.validate(code)
                except ValidationFailed as failure:
                    for error in failure.errors:
                        self._problem(found, number, "personal_id", str(error.code), error.message)
                    return None
                record.person_ref = ("hash", personal_id.keyed_hash(compact))
        record.digest = digest(self.entity, values)
        return record

    def _check(self, number: int, v: dict[str, Any], found: list[Problem]) -> None:
        """Checks of one row that need more than one field or today's date."""
        name = self.entity.name
        if self.entity.spell is not None:
            start, end = self.entity.spell
            if v.get(end) is not None and v[end] < v[start]:
                self._problem(found, number, end, "end_before_start",
                              f"Päättyy {v[end]:%d.%m.%Y} ennen kuin alkaa {v[start]:%d.%m.%Y}.")
        for f in self.entity.fields:
            day = v.get(f.name)
            if f.type == "date" and isinstance(day, date) and day > self.latest:
                self._problem(found, number, f.name, "invalid", f"Päivä {day:%d.%m.%Y} on yli vuoden päässä.")
        if name == "persons":
            self._check_person(number, v, found)
        elif name == "job_searches" and bool(v.get("ended_on")) != bool(v.get("end_reason")):
            field_name = "end_reason" if v.get("ended_on") else "ended_on"
            self._problem(found, number, field_name, "required",
                          "Päättyneellä työnhaulla on oltava päättymisen syy, eikä syytä anneta voimassa olevalle.")
        elif name == "status_spells":
            in_service = v.get("status") == "in_service"
            if in_service != bool(v.get("service_type")):
                self._problem(found, number, "service_type", "required" if in_service else "invalid",
                              "Palvelussa-jaksolle on annettava palvelu." if in_service
                              else f"Asemalla {v.get('status')} ei ole palvelua.")
        elif name == "benefit_months":
            self._check_benefit(number, v, found)
        elif name == "decisions":
            self._check_decision(number, v, found)
        elif name == "plans":
            self._check_plan(number, v, found)

    def _check_person(self, number: int, v: dict[str, Any], found: list[Problem]) -> None:
        try:
            compact = personal_id.validate(v["personal_id"], require_artificial=settings.ARTIFICIAL_IDS_ONLY)
        except ValidationFailed as failure:
            # The validator's message never repeats the code.
            for error in failure.errors:
                self._problem(found, number, "personal_id", str(error.code), error.message)
            return
        v["personal_id"] = compact
        v["personal_id_hash"] = personal_id.keyed_hash(compact)
        born = personal_id.birth_date(compact)
        if v.get("birth_date") is not None and v["birth_date"] != born:
            self._problem(found, number, "birth_date", "invalid", "Syntymäaika ei vastaa henkilötunnusta.")
        v["birth_date"] = born
        v["language"] = v.get("language") or "fi"
        v["education"] = v.get("education") or "upper_secondary"

    def _check_plan(self, number: int, v: dict[str, Any], found: list[Problem]) -> None:
        # Defaults before the content hash, so that a plan exported with them imports back unchanged.
        v["reporting_period_months"] = v.get("reporting_period_months") or 1
        v["obligation_basis"] = v.get("obligation_basis") or "standard"
        if v["valid_until"] < v["drawn_up_on"]:
            self._problem(found, number, "valid_until", "end_before_start", "Suunnitelma päättyy ennen laatimistaan.")

    def _check_decision(self, number: int, v: dict[str, Any], found: list[Problem]) -> None:
        """The business ID in its stored form (1234567-8); the decision rules are checked with the employer later."""
        if v.get("employer_business_id"):
            compact, errors = business_id_compact(v["employer_business_id"], field="employer_business_id")
            for error in errors:
                self._problem(found, number, "employer_business_id", str(error.code), error.message)
            v["employer_business_id"] = compact

    def _check_benefit(self, number: int, v: dict[str, Any], found: list[Problem]) -> None:
        month: date = v["month"]
        v["basis"] = v.get("basis") or "unemployment"
        if month > self.this_month:
            self._problem(found, number, "month", "invalid", f"Kuukautta {month:%m/%Y} ei ole vielä maksettu.")
        limit = max_benefit_days_in_month(month)
        if v["days"] > limit:
            self._problem(found, number, "days", "too_many_days",
                          f"Kuukaudelle {month:%m/%Y} voi maksaa enintään {limit} etuuspäivää (5 päivää viikossa); "
                          f"rivillä {v['days']}.")
        for error in check_amount(v["amount"], v["days"]):
            self._problem(found, number, "amount", str(error.code), error.message)


PARSED_TEXTS = 50_000  # texts a field's converter remembers the value of
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": tabular.parse_date, "yearmonth": tabular.parse_year_month, "integer": tabular.parse_integer,
    "number": tabular.parse_decimal, "boolean": tabular.parse_boolean}


def converter(f: Field, codes: dict[str, str] | None) -> Callable[[Any], Any]:
    """A cell of field ``f`` as a value of its type, through the profile's code list when it has one; ``ValueError``
    with a Finnish reason for a value the field does not take."""
    empty: Any = False if f.type == "boolean" else "" if f.type == "string" else None
    parse = _PARSERS.get(f.type)
    enum = frozenset(f.enum) if f.enum is not None else None
    pattern = re.compile(f.pattern) if f.pattern is not None else None
    low, high, longest, required = f.minimum, f.maximum, f.max_length, f.required
    zero_pad = f.name == "municipality"

    def in_range(value: Any) -> Any:
        if low is not None and value < low:
            raise ValueError(f"vähintään {low:g}")
        if high is not None and value > high:
            raise ValueError(f"enintään {high:g}")
        return value

    def as_text(value: str) -> str:
        if longest is not None and len(value) > longest:
            raise ValueError(f"enintään {longest} merkkiä")
        if pattern is not None and not pattern.fullmatch(value):
            raise ValueError("muoto ei kelpaa")
        if enum is not None and value not in enum:
            raise ValueError(f"tuntematon koodi {value!r}")
        return value.zfill(3) if zero_pad else value

    def convert(cell: Any) -> Any:
        if type(cell) is str:
            tabular.refuse_control_characters(cell)
        raw: Any = cell.strip() if type(cell) is str else "" if cell is None else cell
        if codes is not None and not isinstance(raw, date):
            code = tabular.text(raw)
            if code in codes:
                raw = codes[code]
            elif WILDCARD in codes and code:
                raw = codes[WILDCARD]
            elif code or ("" not in codes and required):
                raise ValueError(f"tuntematon koodi {code!r}" if code else "arvo puuttuu")
        if raw is None or raw == "":
            if required:
                raise ValueError("arvo puuttuu")
            return empty
        if parse is None:
            return as_text(raw if type(raw) is str else tabular.text(raw))
        if type(raw) is str:
            # A register repeats its dates, months and amounts endlessly: each text is parsed once (the values are
            # immutable, so sharing them is safe); a bad one raises again each time it comes.
            value = parsed.get(raw)
            if value is None:
                value = parse(raw)
                if len(parsed) >= PARSED_TEXTS:
                    parsed.clear()
                parsed[raw] = value
        else:
            value = parse(raw)
        return in_range(value) if ranged else value

    parsed: dict[str, Any] = {}
    ranged = f.type in ("integer", "number")
    return convert
