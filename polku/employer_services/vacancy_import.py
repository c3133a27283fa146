"""Vacancies from a spreadsheet: a CSV file (semicolon or comma, UTF-8 or Windows-1252, as Excel saves it) with one
vacancy a row, loaded all or nothing.

Columns by their Finnish or English names (case-insensitive): the employer's business ID, the job title and the
municipality code are required; the occupation, skills and licences may be given by their codes or by their names in
Finnish, Swedish or English; several skills, licences or languages are separated by ``|``; languages as ``fi:B2``
(A1–C2, or ``äidinkieli``/``native``); dates as ``d.m.yyyy`` or ``yyyy-mm-dd``. Each row is checked exactly as a
vacancy entered on the page (:func:`polku.employer_services.services.vacancy_create`), and every problem is listed
with its row and column; if there is any, nothing is saved.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from functools import cache
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from polku.core import tabular
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.employer_services import services
from polku.employer_services.esco import catalogue
from polku.employer_services.models import Hours, LanguageLevel, Vacancy
from polku.employer_services.selectors import employers_for

SEPARATOR = "|"
MAX_ROWS = 5000
# The column of each field: our name first (the template's header), then the names we accept.
COLUMNS: dict[str, tuple[str, ...]] = {
    "employer": ("y-tunnus", "employer_business_id", "business_id"),
    "title": ("tehtävänimike", "title", "nimike"),
    "municipality": ("kunta", "municipality", "kuntanumero"),
    "occupation": ("ammatti", "occupation"),
    "required_skills": ("vaaditut taidot", "required_skills"),
    "wished_skills": ("toivotut taidot", "wished_skills"),
    "licences": ("luvat ja kortit", "licences"),
    "languages": ("kielitaito", "languages"),
    "hours": ("työaika", "hours"),
    "positions": ("paikkoja", "positions"),
    "starts_on": ("alkaa", "starts_on"),
    "apply_by": ("haku päättyy", "apply_by"),
    "description": ("kuvaus", "description"),
}
REQUIRED = ("employer", "title", "municipality")


def template_header() -> str:
    """The header row of an empty template (our column names, semicolon-separated)."""
    return ";".join(names[0] for names in COLUMNS.values()) + "\r\n"


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _refuse_control_characters(text)
        return text
    raise ValidationFailed.single(_at(1), ErrorCode.INVALID, _(
        "Tiedoston merkistö ei ole UTF-8 eikä Windows-1252. Tallenna taulukko muodossa CSV UTF-8."))


def _refuse_control_characters(text: str) -> None:
    """A control character (a NUL from a broken export) is named by its line: PostgreSQL would refuse to store it."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = tabular.CONTROL_CHARACTER.search(line)
        if found is not None:
            raise ValidationFailed.single(_at(number), ErrorCode.INVALID, _(
                "Rivillä on merkki, joka ei kuulu tekstiin (U+%(code)s kohdassa %(position)s). Tallenna taulukko "
                "uudelleen CSV-muodossa.") % {"code": f"{ord(found.group()):04X}", "position": found.start() + 1})


@cache
def _by_name() -> dict[str, dict[str, str]]:
    """Skills, occupations and licences by each of their labels in lower case (fi, sv, en), per kind."""
    table = catalogue()
    index: dict[str, dict[str, str]] = {"skill": {}, "occupation": {}, "licence": {}}
    for concepts, kind in ((table.skills.values(), "skill"), (table.occupations.values(), "occupation"),
                           (table.licences.values(), "licence")):
        for concept in concepts:
            for label in concept.labels.values():
                index[kind].setdefault(label.strip().lower(), concept.code)
    return index


def _code(value: str, kind: str) -> str:
    """A code as given, or the code of the concept named ``value`` (the service refuses what neither is)."""
    return _by_name()[kind].get(value.strip().lower(), value.strip())


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(SEPARATOR) if item.strip()]


DATE_PATTERN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2})")


def _date(value: str, column: str, errors: list[FieldError]) -> date | None:
    """``d.m.yyyy`` or ``yyyy-mm-dd``, a four-digit year from 1900 to 2100; anything else is a named problem."""
    value = value.strip()
    if not value:
        return None
    found = DATE_PATTERN.fullmatch(value)
    if found is not None:
        day, month, year = found.group(1, 2, 3) if found.group(1) else reversed(found.group(4, 5, 6))
        try:
            if 1900 <= int(year) <= 2100:
                return date(int(year), int(month), int(day))
        except ValueError:
            pass
    errors.append(FieldError(column, ErrorCode.INVALID, _("Päivämäärä on muotoa p.k.vvvv tai vvvv-kk-pp: %(value)s.")
                             % {"value": value}))
    return None


# Written out, not the choices' labels: those are translated, and a file in Finnish is read the same in any language.
LEVELS = {"a1": 1, "a2": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 6,
          "äidinkieli": int(LanguageLevel.NATIVE), "modersmål": int(LanguageLevel.NATIVE), "native": int(LanguageLevel.NATIVE)}


def _languages(value: str, column: str, errors: list[FieldError]) -> list[dict[str, Any]]:
    found = []
    for item in _items(value):
        code, _sep, level = item.partition(":")
        if level.strip().lower() not in LEVELS:
            errors.append(FieldError(column, ErrorCode.INVALID, _(
                "Kielitaito on muotoa kieli:taso, esimerkiksi fi:B2 (tasot A1–C2 tai äidinkieli): %(value)s.")
                % {"value": item}))
            continue
        found.append({"code": code.strip().lower(), "level": LEVELS[level.strip().lower()]})
    return found


def _hours(value: str) -> str:
    value = value.strip().lower()
    if not value:
        return Hours.FULL_TIME
    return next((choice.value for choice in Hours if value in {choice.value, str(choice.label).lower()}), value)


def _row_input(row: dict[str, str], columns: dict[str, str], errors: list[FieldError]) -> services.VacancyInput:
    def cell(field: str) -> str:
        return row.get(columns[field], "") or "" if field in columns else ""

    positions = cell("positions").strip() or "1"
    if not re.fullmatch(r"[0-9]{1,4}", positions):
        errors.append(FieldError(columns["positions"], ErrorCode.INVALID, _("Paikkoja on kokonaisluku: %(value)s.")
                                 % {"value": positions}))
        positions = "1"
    return services.VacancyInput(
        title=cell("title"), municipality_code=cell("municipality").strip() or None,
        description=cell("description"), occupation=_code(cell("occupation"), "occupation") if cell("occupation") else "",
        required_skills=tuple(_code(v, "skill") for v in _items(cell("required_skills"))),
        wished_skills=tuple(_code(v, "skill") for v in _items(cell("wished_skills"))),
        licences=tuple(_code(v, "licence") for v in _items(cell("licences"))),
        languages=tuple(_languages(cell("languages"), columns.get("languages", ""), errors)),
        hours=_hours(cell("hours")), positions=int(positions),
        starts_on=_date(cell("starts_on"), columns.get("starts_on", ""), errors),
        apply_by=_date(cell("apply_by"), columns.get("apply_by", ""), errors))


def _at(row: int, column: str = "") -> str:
    """Where a problem is, as the reader counts: the file's row (the header is row 1) and the column's own name."""
    return _("rivi %(row)s: %(column)s") % {"row": row, "column": column} if column else _("rivi %(row)s") % {"row": row}


def _columns(header: list[str]) -> tuple[dict[str, str], list[FieldError]]:
    """Each field's column as the file names it; unknown and missing columns are problems."""
    columns: dict[str, str] = {}
    errors: list[FieldError] = []
    for name in header:
        if not name.strip():
            continue  # Excel's trailing separators: a column without a name (cells under it are reported by row)
        key = name.strip().lower().replace("_", " ")
        field = next((f for f, names in COLUMNS.items() if key in {n.replace("_", " ") for n in names}), None)
        if field in columns:
            errors.append(FieldError(_at(1, name), ErrorCode.INVALID, _("Sarake on taulukossa kahdesti.")))
        elif field is None:
            errors.append(FieldError(_at(1, name), ErrorCode.UNKNOWN, _("Tuntematon sarake. Sarakkeet: %(names)s.")
                                     % {"names": ", ".join(names[0] for names in COLUMNS.values())}))
        else:
            columns[field] = name
    errors += [FieldError(_at(1, COLUMNS[field][0]), ErrorCode.REQUIRED, _("Pakollinen sarake puuttuu."))
               for field in REQUIRED if field not in columns]
    return columns, errors


@transaction.atomic
def import_vacancies(*, actor: Any, data: bytes) -> list[Vacancy]:
    """Every row of the file as a vacancy, or none: a ``ValidationFailed`` lists each problem as ``rivi N: sarake``."""
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if first_line.count(";") >= first_line.count(",") else ",")
    try:
        lines = list(reader)
    except csv.Error as error:  # e.g. a quote left open, which swallows the rest of the file into one cell
        raise ValidationFailed.single(_at(reader.line_num), ErrorCode.INVALID, _(
            "Riviä ei voi lukea: tarkista, että jokainen lainausmerkki on suljettu.")) from error
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise ValidationFailed.single(_at(1), ErrorCode.REQUIRED, _("Tiedostossa ei ole otsikkoriviä."))
    columns, errors = _columns(lines[0])
    if errors:
        raise ValidationFailed(errors)
    body = [(number, line) for number, line in enumerate(lines[1:], start=2) if any(cell.strip() for cell in line)]
    if not body:
        raise ValidationFailed.single(_at(2), ErrorCode.REQUIRED, _("Tiedostossa ei ole yhtään työpaikkaa."))
    if len(body) > MAX_ROWS:
        raise ValidationFailed.single(_at(1), ErrorCode.INVALID, _("Enintään %(n)s työpaikkaa tiedostossa.")
                                      % {"n": MAX_ROWS})
    employers = employers_for(actor)
    created: list[Vacancy] = []
    problems: list[FieldError] = []
    for number, line in body:
        row = dict(zip(lines[0], line, strict=False))
        found: list[FieldError] = []
        named = [i for i, name in enumerate(lines[0]) if name.strip()]
        if any(cell.strip() for i, cell in enumerate(line) if i not in named):
            found.append(FieldError(_("sarake ilman otsikkoa"), ErrorCode.INVALID, _(
                "Rivillä on arvo sarakkeessa, jolla ei ole otsikkoa (erotinmerkki solun sisällä?).")))
        data_in = _row_input(row, columns, found)
        business_id = row.get(columns["employer"], "").strip()
        employer = employers.filter(business_id=business_id).first() if business_id else None
        if employer is None:
            found.append(FieldError(columns["employer"], ErrorCode.UNKNOWN, _(
                "Y-tunnuksella %(id)s ei ole työnantajaa alueesi rekisterissä; lisää työnantaja ensin.")
                % {"id": business_id}))
        if not found and employer is not None:
            try:
                with transaction.atomic():
                    created.append(services.vacancy_create(actor=actor, employer=employer, data=data_in))
            except ValidationFailed as failure:
                found += [FieldError(columns.get(e.field, e.field), e.code, e.message) for e in failure.errors]
            except AccessDenied:
                found.append(FieldError(columns["employer"], ErrorCode.INVALID,
                                        _("Työnantaja ei kuulu työllisyysalueellesi.")))
        problems += [FieldError(_at(number, e.field), e.code, e.message) for e in found]
    if problems:
        raise ValidationFailed(problems)  # the transaction is rolled back: nothing of the file is saved
    return created
