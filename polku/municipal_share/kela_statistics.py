"""Kela's open statistics of municipally co-funded unemployment benefits, as a comparison series.

Kela publishes monthly, per municipality and employment area ("Kunnan osarahoittaman työttömyysturvan
saajat ja maksetut etuudet", from 1.1.2025, updated by the 20th; domain-rules §2.1 [S13][S18]) the
recipients, paid days, paid euros and the municipal share. Polku cannot fetch it (no network at run
time): an administrator or the data steward downloads the CSV from the open-data portal and imports it
with ``polku kela_statistics import FILE --user NAME``. The share page and
``/api/municipal-share/kela-statistics`` then show Polku's computed municipal share beside Kela's.

The file
--------
* CSV separated by semicolons, commas or tabs (detected from the header line); numbers with a decimal
  comma or point and optional thousands spaces; UTF-8 (with or without BOM) or Windows-1252.
* Up to ten title lines above the header are skipped; a title line with "esimerkki"/"example" marks the
  file as example data. Empty lines are skipped; unknown columns ignored.
* A cell ``.``, ``..``, ``-``, ``–``, ``x`` or empty is a figure Kela does not publish (small cells):
  stored as missing.
* Rows of a single day-count class (``kertymäpäiväluokka`` other than Yhteensä — a person can be in
  several classes a month, so only the total adds up) and rows of the whole country are skipped and
  counted; nothing else is skipped silently.

Columns (header case-insensitive; ä/ö/å may be written a/o; punctuation ignored)
------------------------------------------------------------------------------
======================  ========  =====================================================================
column                  required  header variants
======================  ========  =====================================================================
region                  yes, one  kunta, kunnan nimi, alue, työllisyysalue, kommun (a name) — and/or
                        of these  kuntanumero, kuntakoodi, alueen koodi (``297``, ``KU297``). Names are
                                  matched to municipalities (Finnish or Swedish) and employment areas.
month                   yes       kuukausi, tilastokuukausi, aika, ajanjakso, vuosi ja kuukausi, månad:
                                  2025-03, 2025M03, 3/2025, 03.2025, 202503, "maaliskuu 2025"; or a
                                  ``vuosi`` column with the month as 1–12 or a month name.
benefit                 no        etuus, etuuslaji, förmån: työmarkkinatuki, peruspäiväraha,
                                  ansiopäiväraha, or Yhteensä/Kaikki (= all, also when no column).
day-count class         no        kertymäpäiväluokka, päiväkertymäluokka, kertymäluokka.
recipients              no        saajat, saajia, saajien lukumäärä, saajat lkm, henkilöt, mottagare.
paid days               no        maksetut päivät, maksupäivät, korvatut päivät, betalda dagar.
paid €                  no        maksetut etuudet €, maksettu €, maksetut euroa, etuusmenot €.
municipal share €       yes       kuntaosuus €, kunnan osuus €, kunnan rahoitusosuus €, kunnan
                                  rahoittama osuus €, kommunens andel €.
======================  ========  =====================================================================

All or nothing: any bad row refuses the file, every bad row named ``rivi N: sarake: syy``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from polku.access import policy
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.municipal_share.invoices import (
    MAX_FILE_BYTES,
    MAX_PREAMBLE_LINES,
    _decode,
    _key,
    _text,
    parse_benefit,
    parse_decimal,
    parse_month,
)
from polku.municipal_share.models import KelaStatistic, KelaStatisticsImport
from polku.reference.models import EmploymentArea, Municipality

COLUMN_LABELS = {
    "region_code": "kuntanumero",
    "region_name": "kunta",
    "year": "vuosi",
    "month": "kuukausi",
    "benefit": "etuus",
    "day_class": "kertymäpäiväluokka",
    "recipients": "saajat",
    "paid_days": "maksetut päivät",
    "paid_eur": "maksetut etuudet €",
    "municipal_eur": "kuntaosuus €",
}
_HEADER_VARIANTS = {
    "region_code": ["kuntanumero", "kuntakoodi", "kunta nro", "kunnan numero", "kunnan koodi", "alueen koodi",
                    "aluekoodi", "kommunnummer", "municipality code"],
    "region_name": ["kunta", "kunnan nimi", "alue", "alueen nimi", "työllisyysalue", "kotikunta", "kommun",
                    "område", "municipality", "region"],
    "year": ["vuosi", "tilastovuosi", "år", "year"],
    "month": ["kuukausi", "tilastokuukausi", "aika", "ajanjakso", "vuosi ja kuukausi", "kuukausi ja vuosi",
              "tilastointikuukausi", "månad", "month"],
    "benefit": ["etuus", "etuuslaji", "etuustyyppi", "förmån", "benefit"],
    "day_class": ["kertymäpäiväluokka", "päiväkertymäluokka", "kertymäluokka", "kertymäpäivät luokka",
                  "ackumulerade dagar klass"],
    "recipients": ["saajat", "saajia", "saajien lukumäärä", "saajat lkm", "saajien määrä", "saajat yhteensä",
                   "henkilöt", "henkilöitä", "mottagare", "recipients"],
    "paid_days": ["maksetut päivät", "maksetut päivät lkm", "maksupäivät", "korvatut päivät", "maksetut etuuspäivät",
                  "betalda dagar", "paid days"],
    "paid_eur": ["maksetut etuudet €", "maksetut etuudet", "maksettu €", "maksetut euroa", "maksetut €",
                 "etuusmenot €", "etuusmenot", "maksetut etuudet eur", "betalda förmåner €", "paid €"],
    "municipal_eur": ["kuntaosuus €", "kuntaosuus", "kunnan osuus €", "kunnan osuus", "kunnan rahoitusosuus €",
                      "kunnan rahoitusosuus", "kunnan rahoittama osuus €", "kunnan rahoittama osuus",
                      "kunnan osarahoitus €", "kommunens andel €", "kommunens finansieringsandel €",
                      "municipal share €"],
}
HEADER_KEYS = {_key(v): column for column, variants in _HEADER_VARIANTS.items() for v in variants}
_TOTAL_KEYS = {_key(v) for v in ("yhteensä", "kaikki", "kaikki etuudet", "kaikki yhteensä", "totalt", "total",
                                 "alla", "all")}
_COUNTRY_KEYS = {_key(v) for v in ("koko maa", "koko suomi", "manner-suomi", "hela landet", "whole country", "sss")}
_MISSING = {".", "..", "...", "-", "–", "x", "X", "*"}
_MONTH_NAMES = {
    _key(name): number
    for names in (["tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu",
                   "syyskuu", "lokakuu", "marraskuu", "joulukuu"],
                  ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                   "november", "december"])
    for number, name in enumerate(names, start=1)
}
_EXAMPLE_WORDS = ("esimerkki", "example", "exempel", "synteettinen", "synthetic")


@dataclass(frozen=True)
class StatisticRow:
    line: int
    region: str  # municipality code, or "area:<code>"
    municipality: str | None
    month: date
    benefit_type: str  # "" = all benefits
    recipients: int | None
    paid_days: int | None
    paid_eur: Decimal | None
    municipal_eur: Decimal | None


@dataclass(frozen=True)
class ParsedStatistics:
    rows: tuple[StatisticRow, ...]
    skipped: int
    encoding: str
    example: bool


def parse_statistics_month(value: Any) -> date:
    """2025-03, 2025M03, 3/2025, 202503, 03.2025, "maaliskuu 2025", "2025 maaliskuu" …"""
    text = _text(value)
    match = re.fullmatch(r"(\d{4})\s*[mM]\s*(\d{1,2})", text)
    if match:
        text = f"{match.group(1)}-{match.group(2)}"
    words = text.replace(",", " ").split()
    if len(words) == 2:
        first, second = words
        for name, year in ((first, second), (second, first)):
            number = _MONTH_NAMES.get(_key(name))
            if number is not None and year.isdigit():
                text = f"{year}-{number}"
    return parse_month(text)


def _month_number(value: Any) -> int:
    text = _text(value)
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    number = _MONTH_NAMES.get(_key(text))
    if number is None:
        raise ValueError("ei ole kuukausi (1–12 tai kuukauden nimi)")
    return number


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:MAX_PREAMBLE_LINES + 1]
    return max((";", ",", "\t"), key=lambda d: max((line.count(d) for line in lines), default=0))


def _read(data: bytes) -> tuple[list[tuple[int, list[str]]], str]:
    if not data.strip():
        raise ValidationFailed.single("tiedosto", ErrorCode.REQUIRED, "Tiedosto on tyhjä.")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID, "Tiedosto on liian suuri.")
    text, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for cells in reader:
            rows.append((previous + 1, cells))
            previous = reader.line_num
    except csv.Error as error:
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID, f"CSV-tiedostoa ei voi lukea: {error}.") from None
    return rows, encoding


def _header(rows: Sequence[tuple[int, list[str]]]) -> int | None:
    for index, (_, cells) in enumerate(rows[:MAX_PREAMBLE_LINES + 1]):
        columns = {HEADER_KEYS.get(_key(c)) for c in cells} - {None}
        if "municipal_eur" in columns and columns & {"region_code", "region_name"}:
            return index
    return None


class _Regions:
    """Municipalities by code and by Finnish or Swedish name, employment areas by name or code."""

    def __init__(self) -> None:
        self.codes = set(Municipality.objects.values_list("code", flat=True))
        self.names: dict[str, str] = {}
        for code, fi, sv in Municipality.objects.values_list("code", "name_fi", "name_sv"):
            self.names.setdefault(_key(fi), code)
            self.names.setdefault(_key(sv), code)
        self.areas: dict[str, str] = {}
        for code, fi, sv in EmploymentArea.objects.values_list("code", "name_fi", "name_sv"):
            for name in (code, fi, sv):
                self.areas.setdefault(_key(name), code)

    def by_code(self, value: str) -> str:
        text = value.strip().upper().removeprefix("KU")
        if not re.fullmatch(r"\d{1,3}", text):
            raise ValueError("kuntanumero on kolme numeroa")
        code = text.zfill(3)
        if code not in self.codes:
            raise ValueError(f"tuntematon kuntanumero {code}")
        return code

    def by_name(self, value: str) -> tuple[str, str | None]:
        key = _key(value)
        if key in self.names:
            return self.names[key], self.names[key]
        if key in self.areas:
            return f"area:{self.areas[key]}", None
        raise ValueError("tuntematon kunta tai työllisyysalue")


class _Reader:
    def __init__(self, columns: dict[str, int]) -> None:
        self.columns = columns
        self.errors: list[FieldError] = []
        self.regions = _Regions()
        self.seen: dict[tuple[str, date, str], int] = {}

    def cell(self, cells: Sequence[str], column: str) -> str:
        position = self.columns.get(column)
        return _text(cells[position]) if position is not None and position < len(cells) else ""

    def bad(self, line: int, column: str, code: ErrorCode, reason: str) -> None:
        self.errors.append(FieldError(f"rivi {line}: {COLUMN_LABELS[column]}", code, reason))

    def skipped(self, cells: Sequence[str]) -> bool:
        """A row of one day-count class, or of the whole country: not a figure this series keeps."""
        day_class = self.cell(cells, "day_class")
        if day_class and _key(day_class) not in _TOTAL_KEYS:
            return True
        return any(_key(self.cell(cells, c)) in _COUNTRY_KEYS for c in ("region_code", "region_name"))

    def region(self, line: int, cells: Sequence[str]) -> tuple[str, str | None] | None:
        code, name = self.cell(cells, "region_code"), self.cell(cells, "region_name")
        try:
            if code:
                value = self.regions.by_code(code)
                return value, value
            if name:
                return self.regions.by_name(name)
        except ValueError as error:
            self.bad(line, "region_code" if code else "region_name", ErrorCode.UNKNOWN, str(error))
            return None
        self.bad(line, "region_name", ErrorCode.REQUIRED, "arvo puuttuu")
        return None

    def month(self, line: int, cells: Sequence[str]) -> date | None:
        raw = self.cell(cells, "month")
        year = self.cell(cells, "year")
        try:
            if year and raw and not re.search(r"\d{4}", raw):
                if not re.fullmatch(r"\d{4}", year):
                    self.bad(line, "year", ErrorCode.INVALID, "vuosi on neljä numeroa")
                    return None
                return parse_month(f"{year}-{_month_number(raw)}")
            if not raw:
                self.bad(line, "month", ErrorCode.REQUIRED, "arvo puuttuu")
                return None
            return parse_statistics_month(raw)
        except ValueError as error:
            self.bad(line, "month", ErrorCode.INVALID, str(error))
            return None

    def benefit(self, line: int, cells: Sequence[str]) -> str | None:
        raw = self.cell(cells, "benefit")
        if not raw or _key(raw) in _TOTAL_KEYS:
            return ""
        try:
            return parse_benefit(raw)
        except ValueError as error:
            self.bad(line, "benefit", ErrorCode.UNKNOWN, str(error))
            return None

    def number(self, line: int, cells: Sequence[str], column: str, places: int) -> tuple[bool, Decimal | None]:
        raw = self.cell(cells, column)
        if not raw or raw in _MISSING:
            return True, None
        try:
            value = parse_decimal(raw, places=places)
        except ValueError as error:
            self.bad(line, column, ErrorCode.INVALID, str(error))
            return False, None
        if value < 0:
            self.bad(line, column, ErrorCode.INVALID, f"{value} on negatiivinen")
            return False, None
        return True, value

    def row(self, line: int, cells: Sequence[str]) -> StatisticRow | None:
        before = len(self.errors)
        region = self.region(line, cells)
        month = self.month(line, cells)
        benefit = self.benefit(line, cells)
        figures = {c: self.number(line, cells, c, 0 if c in {"recipients", "paid_days"} else 2)
                   for c in ("recipients", "paid_days", "paid_eur", "municipal_eur")}
        if len(self.errors) > before or region is None or month is None or benefit is None:
            return None
        key = (region[0], month, benefit)
        if key in self.seen:
            self.bad(line, "month", ErrorCode.DUPLICATE,
                     f"sama alue, kuukausi {month:%Y-%m} ja etuus on jo rivillä {self.seen[key]}")
            return None
        self.seen[key] = line
        recipients, days = figures["recipients"][1], figures["paid_days"][1]
        return StatisticRow(
            line=line, region=region[0], municipality=region[1], month=month, benefit_type=benefit,
            recipients=int(recipients) if recipients is not None else None,
            paid_days=int(days) if days is not None else None, paid_eur=figures["paid_eur"][1],
            municipal_eur=figures["municipal_eur"][1],
        )


def _columns(header_line: int, header: Sequence[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    errors: list[FieldError] = []
    for position, cell in enumerate(header):
        column = HEADER_KEYS.get(_key(cell))
        if column is None:
            continue
        if column in columns:
            errors.append(FieldError(f"rivi {header_line}: {_text(cell)}", ErrorCode.DUPLICATE,
                                     f"sarake {COLUMN_LABELS[column]} on otsikossa kahdesti"))
        columns[column] = position
    if "month" not in columns:
        errors.append(FieldError(f"rivi {header_line}: kuukausi", ErrorCode.REQUIRED, "sarake puuttuu"))
    if errors:
        raise ValidationFailed(errors)
    return columns


def parse_statistics(data: bytes) -> ParsedStatistics:
    """Every figure of the file, or ``ValidationFailed`` naming every bad row (row, column, reason)."""
    rows, encoding = _read(data)
    index = _header(rows)
    if index is None:
        raise ValidationFailed.single(
            "rivi 1", ErrorCode.REQUIRED,
            "Otsikkoriviä ei löydy: tarvitaan ainakin sarakkeet kunta (tai kuntanumero), kuukausi ja kuntaosuus €.")
    columns = _columns(*rows[index])
    example = any(word in " ".join(cells).lower() for _, cells in rows[:index] for word in _EXAMPLE_WORDS)
    reader = _Reader(columns)
    parsed: list[StatisticRow] = []
    skipped = 0
    for line, cells in rows[index + 1:]:
        if not any(_text(c) for c in cells):
            continue
        if reader.skipped(cells):
            skipped += 1
            continue
        row = reader.row(line, cells)
        if row is not None:
            parsed.append(row)
    errors = reader.errors
    if not errors and not parsed:
        errors.append(FieldError("tiedosto", ErrorCode.REQUIRED, "Tiedostossa ei ole yhtään tilastoriviä."))
    if errors:
        raise ValidationFailed(errors)
    return ParsedStatistics(tuple(parsed), skipped, encoding, example)


def statistics_import(*, data: bytes, file_name: str, user: Any, source: str = "") -> KelaStatisticsImport:
    """Validate the whole file and store it in one transaction; figures of the same region, month and
    benefit from an earlier import are replaced. Administrators and the data steward."""
    if not policy.can_exchange_data(user):
        raise AccessDenied("Vain pääkäyttäjä tai tietopalvelu voi tuoda Kelan tilastoja.")
    digest = hashlib.sha256(data).hexdigest()
    earlier = KelaStatisticsImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise ValidationFailed.single("tiedosto", ErrorCode.DUPLICATE,
                                      f"Sama tiedosto on jo tuotu {earlier.imported_at:%Y-%m-%d}.")
    parsed = parse_statistics(data)
    with transaction.atomic():
        record = KelaStatisticsImport.objects.create(
            file_name=file_name[:255], sha256=digest, encoding=parsed.encoding, source=source.strip()[:300],
            example=parsed.example, imported_by=user if getattr(user, "is_authenticated", False) else None,
            row_count=len(parsed.rows), skipped_rows=parsed.skipped,
        )
        for row in parsed.rows:
            KelaStatistic.objects.filter(region=row.region, month=row.month, benefit_type=row.benefit_type).delete()
        KelaStatistic.objects.bulk_create([
            KelaStatistic(source_import=record, region=r.region, municipality_id=r.municipality, month=r.month,
                          benefit_type=r.benefit_type, recipients=r.recipients, paid_days=r.paid_days,
                          paid_eur=r.paid_eur, municipal_eur=r.municipal_eur)
            for r in parsed.rows
        ])
    return record


# --- Polku beside Kela ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    month: date
    polku_municipal_eur: Decimal
    kela_municipal_eur: Decimal | None
    polku_persons: int | str  # "< 5" for roles that see aggregates only
    kela_recipients: int | None
    source: KelaStatisticsImport | None

    @property
    def difference_eur(self) -> Decimal | None:
        """Polku minus Kela; None where Kela has published nothing for the month."""
        return None if self.kela_municipal_eur is None else self.polku_municipal_eur - self.kela_municipal_eur


def kela_month_figures(municipality: str, months: Sequence[date]) -> dict[date, tuple[Decimal | None, int | None,
                                                                                       KelaStatisticsImport]]:
    """Kela's published municipal € and recipients per month: the all-benefits figure, else the benefits summed."""
    by_month: dict[date, list[KelaStatistic]] = {}
    for figure in KelaStatistic.objects.filter(region=municipality, month__in=list(months)).select_related(
            "source_import", "source_import__imported_by"):
        by_month.setdefault(figure.month, []).append(figure)
    out: dict[date, tuple[Decimal | None, int | None, KelaStatisticsImport]] = {}
    for month, figures in by_month.items():
        total = [f for f in figures if not f.benefit_type]
        chosen = total or figures
        euros = [f.municipal_eur for f in chosen if f.municipal_eur is not None]
        recipients = [f.recipients for f in chosen if f.recipients is not None]
        out[month] = (sum(euros, Decimal(0)) if euros else None,
                      # recipients of several benefits may overlap: only the all-benefits row is a head count
                      recipients[0] if total and recipients else None,
                      max((f.source_import for f in chosen), key=lambda i: i.imported_at))
    return out


def comparison(municipality: str, polku: dict[date, tuple[Decimal, int | str]]) -> list[ComparisonRow]:
    """Polku's municipal € and billed persons per month (``polku``) beside Kela's published figures."""
    kela = kela_month_figures(municipality, list(polku))
    return [
        ComparisonRow(month=month, polku_municipal_eur=euros, polku_persons=persons,
                      kela_municipal_eur=kela[month][0] if month in kela else None,
                      kela_recipients=kela[month][1] if month in kela else None,
                      source=kela[month][2] if month in kela else None)
        for month, (euros, persons) in sorted(polku.items())
    ]


def sources_of(rows: Sequence[ComparisonRow]) -> list[KelaStatisticsImport]:
    """The imports the compared figures come from, newest first."""
    found = {r.source.pk: r.source for r in rows if r.source is not None}
    return sorted(found.values(), key=lambda i: i.imported_at, reverse=True)


def comparison_as_dict(rows: Sequence[ComparisonRow]) -> dict[str, Any]:
    """JSON shape of the API: money as strings, months YYYY-MM, each month's source import."""
    return {
        "months": [
            {"month": f"{r.month:%Y-%m}", "polku_municipal_eur": str(r.polku_municipal_eur),
             "kela_municipal_eur": None if r.kela_municipal_eur is None else str(r.kela_municipal_eur),
             "difference_eur": None if r.difference_eur is None else str(r.difference_eur),
             "polku_persons": r.polku_persons, "kela_recipients": r.kela_recipients,
             "source_id": r.source.pk if r.source else None}
            for r in rows
        ],
        "sources": [
            {"id": i.pk, "file_name": i.file_name, "source": i.source, "example": i.example,
             "imported_at": i.imported_at.isoformat(),
             "imported_by": i.imported_by.get_username() if i.imported_by else None}
            for i in sources_of(rows)
        ],
    }
