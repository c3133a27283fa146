"""Kela's monthly invoice list of the municipal share: parse it, import it, and check it against Polku.

Finnish offices receive the list attached to Kela's invoice (domain-rules §1–§2: monthly, afterwards
per calendar month) and have checked it by hand. This module reads the list as they get it, refuses a
file with any bad row as a whole (every bad row named as ``rivi N: sarake: syy``, the header being the
line it stands on, normally 1), stores an accepted file in one transaction, and hands the lines to the
pure reconciliation in :mod:`polku.municipal_share.reconcile`.

File formats
------------
* CSV separated by semicolons (a tab-separated file is accepted too), numbers with a decimal comma
  (``1 234,56``; a decimal point is accepted when there is no comma). Encoding: UTF-8 with or without a
  BOM, UTF-16 with a BOM (Excel's "Unicode text"), otherwise Windows-1252; detected from the bytes.
* Excel ``.xlsx`` (first worksheet that has a recognisable header), when ``openpyxl`` is installed.
* Up to ten title lines above the header are skipped; empty lines are skipped; a total line
  (``Yhteensä``/``Summa``/``Totalt`` in a cell, no identity code) is checked against the sum of the
  municipal shares and otherwise ignored. Columns not listed below (names, addresses …) are ignored
  and never stored.

Accepted columns (header text case-insensitive; ä/ö/å may be written a/o; spaces, hyphens, brackets
ignored; ``€`` may be written ``eur``/``euroa`` and ``%`` ``prosentti``)
------------------------------------------------------------------------------------------------
=====================  =========  ===========================================================================
column                 required   header variants
=====================  =========  ===========================================================================
identity code          yes        henkilötunnus, hetu, asiakkaan henkilötunnus, personbeteckning
period month           yes (one   etuuskuukausi, etuusjakso, kohdekuukausi, maksukuukausi, kuukausi, jakso,
                       of these)  förmånsmånad, månad — and/or laskutuskuukausi, laskutuskausi,
                                  faktureringsmånad (used as the period when no period column is given).
                                  Values: 2025-03, 2025/03, 202503, 3/2025, 03.2025, 3-2025, a date
                                  (1.3.2025, 2025-03-01) or an Excel date.
benefit                yes        etuus, etuuslaji, etuustyyppi, etuuden laji, etuuskoodi, förmån. Values:
                                  työmarkkinatuki/TMT, peruspäiväraha/PPR, ansiopäiväraha/ansiosidonnainen
                                  päiväraha/APR (also Polku's codes and the Swedish names).
paid days              yes        maksetut päivät, maksupäivät, päivät, etuuspäivät, betalda dagar. 0–23.
cumulative days        no         kertymäpäivät, päiväkertymä, kertymä, kertyneet päivät, kertymäpäivät
                                  yhteensä, ackumulerade dagar
paid €                 yes        maksettu €, maksettu etuus €, maksettu summa, maksettu, etuus €,
                                  betalt belopp
municipal share %      no         kuntaosuus %, kuntaosuusprosentti, kunnan osuus %, rahoitusosuus %,
                                  kommunens andel %. 0–100, as a percentage (50 or 50,0 = 50 %).
municipal share €      yes        kuntaosuus €, kuntaosuus, kunnan osuus €, laskutettava €, laskutettava
                                  kuntaosuus, laskutettava määrä, kommunens andel €. At most the paid €.
municipality           no         kunta, kuntanumero, kuntakoodi, kotikunta, kommun. Three-digit code
                                  (``91`` = ``091``); must be the invoice's municipality.
payment basis          no         peruste, maksuperuste, etuuden peruste, korvausperuste, grund. Values:
                                  työttömyys / työttömyyden perusteella (the default when the column is
                                  missing or empty) or palvelu / palvelun ajalta (days in a service).
=====================  =========  ===========================================================================

Euro amounts have at most two decimals and are not negative (credit lines are not supported); the
period month must not be after the invoice month. Identity codes are validated with their checksum
(and must be artificial, 900–999, where ``settings.ARTIFICIAL_IDS_ONLY``); an error never repeats
the code, and nothing but its keyed hash leaves the parser.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused
from polku.core.calendar import month_start
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.core.tabular import parse_decimal, text
from polku.municipal_share import selectors
from polku.municipal_share.engine import ShareRow, person_share_rows
from polku.municipal_share.invoice_facts import FactLoad, load_invoice_facts
from polku.municipal_share.models import KelaInvoice, KelaInvoiceLine
from polku.municipal_share.reconcile import (
    InvoiceBreakdown,
    InvoiceLine,
    InvoicePart,
    Reconciliation,
    invoice_breakdown,
    reconcile,
)
from polku.municipal_share.rules import RuleBook
from polku.municipal_share.services import current_rule_book
from polku.people import personal_id
from polku.people.models import Person
from polku.reference.models import EmploymentAreaMembership, Municipality

MAX_DAYS_PER_MONTH = 23
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PREAMBLE_LINES = 10
CENT = Decimal("0.01")
ACTION = AccessAction.KELA_INVOICE_CHECK
FACTS_ACTION = AccessAction.KELA_INVOICE_FACTS
# A line whose person the user may not see, when loading lines as facts: the same words whether the person is
# outside the user's area or not in Polku at all.
NOT_IN_AREA_LINE = "henkilö ei ole alueellasi: valitse tuntemattomien ohitus"
DEFAULT_PURPOSE = gettext_noop("Kelan kuntaosuuslaskun tarkistus")

# Column keys and the names used for them in error messages (Finnish, as in the file).
COLUMN_LABELS = {
    "personal_id": "henkilötunnus",
    "period_month": "etuuskuukausi",
    "invoice_month": "laskutuskuukausi",
    "benefit": "etuus",
    "paid_days": "maksetut päivät",
    "cumulative_days": "kertymäpäivät",
    "paid_eur": "maksettu €",
    "share_percent": "kuntaosuus %",
    "municipal_eur": "kuntaosuus €",
    "municipality": "kunta",
    "basis": "peruste",
}
REQUIRED = ("personal_id", "period_month", "benefit", "paid_days", "paid_eur", "municipal_eur")  # or invoice_month

_HEADER_VARIANTS = {
    "personal_id": ["henkilötunnus", "hetu", "henkilö tunnus", "henkilötunnus (hetu)", "asiakkaan henkilötunnus",
                    "asiakkaan hetu", "personbeteckning", "personal identity code"],
    "period_month": ["etuuskuukausi", "etuusjakso", "etuuskausi", "kohdekuukausi", "maksukuukausi", "kuukausi",
                     "jakso", "maksujakso", "förmånsmånad", "månad", "period month"],
    "invoice_month": ["laskutuskuukausi", "laskutuskausi", "laskutusjakso", "laskun kuukausi", "faktureringsmånad",
                      "invoice month"],
    "benefit": ["etuus", "etuuslaji", "etuustyyppi", "etuuden laji", "etuuskoodi", "etuus koodi", "förmån",
                "förmånstyp", "benefit"],
    "paid_days": ["maksetut päivät", "maksetut päivät kpl", "maksupäivät", "päivät", "etuuspäivät",
                  "maksetut etuuspäivät", "betalda dagar", "paid days"],
    "cumulative_days": ["kertymäpäivät", "päiväkertymä", "kertymä", "kertyneet päivät", "kertymäpäivät yhteensä",
                        "päiväkertymä yhteensä", "kertymäpäiviä", "ackumulerade dagar", "cumulative days"],
    "paid_eur": ["maksettu €", "maksettu eur", "maksettu euroa", "maksettu etuus €", "maksettu etuus",
                 "maksettu summa", "maksettu", "maksetut €", "etuus €", "maksettu määrä", "betalt belopp",
                 "betalt €", "paid €"],
    "share_percent": ["kuntaosuus %", "kuntaosuusprosentti", "kuntaosuus prosentti", "kunnan osuus %",
                      "kunnan osuus prosentti", "rahoitusosuus %", "kommunens andel %", "municipal share %"],
    "municipal_eur": ["kuntaosuus €", "kuntaosuus", "kuntaosuus euroa", "kunnan osuus €", "kunnan osuus",
                      "laskutettava €", "laskutettava kuntaosuus", "laskutettava määrä", "laskutettava",
                      "kunnan rahoitusosuus €", "kommunens andel €", "kommunens andel", "municipal share €"],
    "basis": ["peruste", "maksuperuste", "etuuden peruste", "korvausperuste", "maksun peruste", "grund",
              "payment basis"],
    "municipality": ["kunta", "kuntanumero", "kuntakoodi", "kunnan numero", "kunta nro", "kotikunta", "kommun",
                     "kommunnummer", "municipality"],
}

_BENEFIT_VARIANTS = {
    "labour_market_subsidy": ["työmarkkinatuki", "tmt", "tm-tuki", "tmtuki", "labour_market_subsidy",
                              "arbetsmarknadsstöd", "labour market subsidy"],
    "basic_allowance": ["peruspäiväraha", "ppr", "perusturva", "basic_allowance", "grunddagpenning",
                        "basic allowance"],
    "earnings_related_allowance": ["ansiopäiväraha", "ansiosidonnainen päiväraha", "ansiosidonnainen", "apr",
                                   "ansiopäivärahan perusosa", "earnings_related_allowance",
                                   "inkomstrelaterad dagpenning", "earnings-related allowance"],
}
_BASIS_VARIANTS = {
    "unemployment": ["työttömyys", "työttömyyden perusteella", "työttömyysperuste", "työtön", "unemployment",
                     "arbetslöshet", "på grund av arbetslöshet"],
    "service": ["palvelu", "palvelun ajalta", "palveluaika", "työllistymistä edistävä palvelu", "service",
                "tjänst", "under tjänst"],
}
_TOTAL_WORDS = {"yhteensa", "yht", "summa", "kaikki yhteensa", "totalt", "total", "yhteensa eur"}


def _key(text: str) -> str:
    """Header/value key: lower case, ä/ö/å folded, € and % spelled out, everything else but letters dropped."""
    text = text.strip().lower().replace("€", " eur ").replace("%", " prosentti ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\b(euroa|euro|euros)\b", "eur", text)
    text = re.sub(r"\b(pros|prosenttia)\b", "prosentti", text)
    return re.sub(r"[^a-z0-9]+", "", text)


HEADER_KEYS = {_key(v): column for column, variants in _HEADER_VARIANTS.items() for v in variants}
BENEFIT_KEYS = {_key(v): code for code, variants in _BENEFIT_VARIANTS.items() for v in variants}
BASIS_KEYS = {_key(v): code for code, variants in _BASIS_VARIANTS.items() for v in variants}


@dataclass(frozen=True)
class ParsedInvoice:
    """An accepted file: its lines (identity codes already replaced by their keyed hash) and facts about it."""

    lines: tuple[InvoiceLine, ...]
    encoding: str
    sha256: str
    file_name: str
    ignored_columns: tuple[str, ...]


# --- reading cells out of CSV or Excel --------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read as: BOM first, then strict UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    """(line number in the file, cells) for every record; a quoted multi-line record gets its first line."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first_line and ";" not in first_line else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    for cells in reader:
        yield previous + 1, cells
        previous = reader.line_num


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            rows = [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
            if _find_header(rows) is not None:
                yield from rows
                return
        yield from ()
    finally:
        workbook.close()


def _is_xlsx(data: bytes, file_name: str) -> bool:
    return data.startswith(b"PK\x03\x04") or file_name.lower().endswith((".xlsx", ".xlsm"))


_text = text  # the shared reading of a cell (polku.core.tabular)


def _find_header(rows: Sequence[tuple[int, list[Any]]]) -> int | None:
    """Index of the header row among the first lines: the first naming the identity code and two more columns."""
    for index, (_, cells) in enumerate(rows[:MAX_PREAMBLE_LINES + 1]):
        columns = {HEADER_KEYS.get(_key(_text(c))) for c in cells} - {None}
        if "personal_id" in columns and len(columns) >= 3:
            return index
    return None


# --- values -------------------------------------------------------------------------------------------------

_MONTH_PATTERNS = (  # (pattern, positions of year, month and day among the groups)
    (re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})"), (0, 1, None)),
    (re.compile(r"(\d{4})(\d{2})"), (0, 1, None)),
    (re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})"), (1, 0, None)),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (0, 1, 2)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (2, 1, 0)),
)


def parse_month(value: Any) -> date:
    """The first day of the month a cell names; ``ValueError`` with a Finnish reason if it names none."""
    if isinstance(value, datetime):
        return month_start(value.date())
    if isinstance(value, date):
        return month_start(value)
    text = _text(value)
    for pattern, (year_at, month_at, day_at) in _MONTH_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = [int(p) for p in match.groups()]
        year, month = parts[year_at], parts[month_at]
        try:
            first = date(year, month, 1)
            if day_at is not None:
                date(year, month, parts[day_at])
        except ValueError:
            raise ValueError("kuukausi tai päivä ei ole mahdollinen") from None
        if not 2000 <= year <= 2100:
            raise ValueError(f"vuosi {year} ei ole mahdollinen")
        return first
    raise ValueError("ei ole kuukausi (esim. 2025-03 tai 3/2025)")


def parse_benefit(value: Any) -> str:
    code = BENEFIT_KEYS.get(_key(_text(value)))
    if code is None:
        raise ValueError("tuntematon etuus (työmarkkinatuki, peruspäiväraha tai ansiopäiväraha)")
    return code


def parse_basis(value: Any) -> str:
    """The payment basis a cell names; empty means on the basis of unemployment."""
    text = _text(value)
    if not text:
        return "unemployment"
    code = BASIS_KEYS.get(_key(text))
    if code is None:
        raise ValueError("tuntematon peruste (työttömyys tai palvelu)")
    return code


def municipality_code(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"\d{1,3}", text):
        raise ValueError("kuntanumero on kolme numeroa")
    return text.zfill(3)


# --- the parser --------------------------------------------------------------------------------------------


def _read_rows(data: bytes, file_name: str) -> tuple[list[tuple[int, list[Any]]], str]:
    """The file's records with their line numbers, and how it was read; file-level problems refuse it."""
    if not data.strip():
        raise ValidationFailed.single("tiedosto", ErrorCode.REQUIRED, "Tiedosto on tyhjä.")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID,
                                      f"Tiedosto on liian suuri (yli {MAX_FILE_BYTES // 1024 // 1024} Mt).")
    if _is_xlsx(data, file_name):
        if importlib.util.find_spec("openpyxl") is None:
            raise ValidationFailed.single("tiedosto", ErrorCode.INVALID,
                                          "Excel-tiedostoja ei voi lukea (openpyxl puuttuu); tallenna CSV:nä.")
        try:
            return list(_xlsx_rows(data)), "xlsx"
        except Exception:  # any unreadable workbook is one file-level error
            raise ValidationFailed.single("tiedosto", ErrorCode.INVALID, "Excel-tiedostoa ei voi lukea.") from None
    if file_name.lower().endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID,
                                      "Vanhaa .xls-muotoa ei tueta; tallenna .xlsx- tai CSV-muodossa.")
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID, "Merkistö ei ole UTF-8 eikä Windows-1252.") from None
    try:
        return list(_csv_rows(text)), encoding
    except csv.Error as error:
        raise ValidationFailed.single("tiedosto", ErrorCode.INVALID, f"CSV-tiedostoa ei voi lukea: {error}.") from None


def _map_header(line: int, header: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    """Column positions by key, and the names of ignored columns; refuses duplicate or missing columns."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    errors: list[FieldError] = []
    for position, cell in enumerate(header):
        name = _text(cell)
        column = HEADER_KEYS.get(_key(name))
        if column is None:
            if name:
                ignored.append(name)
        elif column in columns:
            errors.append(FieldError(f"rivi {line}: {name}", ErrorCode.DUPLICATE,
                                     f"sarake {COLUMN_LABELS[column]} on otsikossa kahdesti"))
        else:
            columns[column] = position
    has_month = "period_month" in columns or "invoice_month" in columns
    missing = [c for c in REQUIRED if c not in columns and (c != "period_month" or not has_month)]
    errors += [FieldError(f"rivi {line}: {COLUMN_LABELS[c]}", ErrorCode.REQUIRED, "sarake puuttuu") for c in missing]
    if errors:
        raise ValidationFailed(errors)
    return columns, ignored


def parse_invoice(
    data: bytes, *, file_name: str = "", municipality: str | None = None, invoice_month: date | None = None,
    known_municipalities: Collection[str] | None = None, require_artificial: bool = False,
) -> ParsedInvoice:
    """Every line of the file, or ``ValidationFailed`` listing every bad line (nothing is half-accepted).

    ``municipality`` and ``invoice_month``, when given, are what the file must agree with: a line naming
    another municipality, or a period after the invoice month, is a bad line.
    """
    rows, encoding = _read_rows(data, file_name)
    header_index = _find_header(rows)
    if header_index is None:
        raise ValidationFailed.single(
            "rivi 1", ErrorCode.REQUIRED,
            "Otsikkoriviä ei löydy: tarvitaan ainakin sarakkeet henkilötunnus, etuuskuukausi, etuus, maksetut päivät, "
            "maksettu € ja kuntaosuus €.",
        )
    columns, ignored = _map_header(*rows[header_index])
    reader = _RowReader(columns, municipality=municipality, invoice_month=invoice_month,
                        known_municipalities=known_municipalities, require_artificial=require_artificial)
    lines: list[InvoiceLine] = []
    totals: list[tuple[int, Decimal | None]] = []
    for number, cells in rows[header_index + 1:]:
        if not any(_text(c) for c in cells):
            continue
        if reader.is_total(cells):
            totals.append((number, reader.total(number, cells)))
            continue
        line = reader.line(number, cells)
        if line is not None:
            lines.append(line)
    errors = reader.errors
    if not errors and not lines:
        errors.append(FieldError("tiedosto", ErrorCode.REQUIRED, "Tiedostossa ei ole yhtään laskuriviä."))
    municipal_sum = sum((line.municipal_eur for line in lines), Decimal(0))
    errors += [
        FieldError(f"rivi {number}: {COLUMN_LABELS['municipal_eur']}", ErrorCode.INVALID,
                   f"yhteensä-rivin summa {stated} € ei täsmää rivien kuntaosuuksien summaan {municipal_sum} €")
        for number, stated in totals if not errors and stated is not None and stated != municipal_sum
    ]
    if errors:
        raise ValidationFailed(errors)
    return ParsedInvoice(tuple(lines), encoding, hashlib.sha256(data).hexdigest(), file_name, tuple(ignored))


class _RowReader:
    """Reads data lines one by one, collecting every error of every line."""

    def __init__(self, columns: dict[str, int], *, municipality: str | None, invoice_month: date | None,
                 known_municipalities: Collection[str] | None, require_artificial: bool) -> None:
        self.columns = columns
        self.municipality = municipality
        self.invoice_month = invoice_month
        self.known_municipalities = known_municipalities
        self.require_artificial = require_artificial
        self.errors: list[FieldError] = []
        self._line_errors = 0

    def cell(self, cells: Sequence[Any], column: str) -> Any:
        position = self.columns.get(column)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def bad(self, number: int, column: str, code: ErrorCode, reason: str) -> None:
        self.errors.append(FieldError(f"rivi {number}: {COLUMN_LABELS[column]}", code, reason))
        self._line_errors += 1

    def is_total(self, cells: Sequence[Any]) -> bool:
        identity = _key(_text(self.cell(cells, "personal_id")))
        return (not identity or identity in _TOTAL_WORDS) and any(_key(_text(c)) in _TOTAL_WORDS for c in cells)

    def total(self, number: int, cells: Sequence[Any]) -> Decimal | None:
        """The municipal total a total line states, if any."""
        raw = self.cell(cells, "municipal_eur")
        if not _text(raw):
            return None
        try:
            return parse_decimal(raw)
        except ValueError as error:
            self.bad(number, "municipal_eur", ErrorCode.INVALID, str(error))
            return None

    def identity_hash(self, number: int, cells: Sequence[Any]) -> str:
        raw = _text(self.cell(cells, "personal_id"))
        if not raw:
            self.bad(number, "personal_id", ErrorCode.REQUIRED, "arvo puuttuu")
            return ""
        try:
            return personal_id.keyed_hash(personal_id.validate(raw, require_artificial=self.require_artificial))
        except ValidationFailed as failure:  # the messages never contain the code
            for error in failure.errors:
                self.bad(number, "personal_id", error.code, error.message)
            return ""

    def month(self, number: int, cells: Sequence[Any]) -> date | None:
        column = "period_month" if "period_month" in self.columns else "invoice_month"
        raw = self.cell(cells, column)
        if not _text(raw) and column == "period_month" and "invoice_month" in self.columns:
            column, raw = "invoice_month", self.cell(cells, "invoice_month")
        if not _text(raw):
            self.bad(number, column, ErrorCode.REQUIRED, "arvo puuttuu")
            return None
        try:
            month = parse_month(raw)
        except ValueError as error:
            self.bad(number, column, ErrorCode.INVALID, str(error))
            return None
        if self.invoice_month is not None and month > self.invoice_month:
            self.bad(number, column, ErrorCode.INVALID,
                     f"{month:%Y-%m} on myöhempi kuin laskun kuukausi {self.invoice_month:%Y-%m}")
        return month

    def benefit(self, number: int, cells: Sequence[Any]) -> str:
        try:
            return parse_benefit(self.cell(cells, "benefit"))
        except ValueError as error:
            self.bad(number, "benefit", ErrorCode.UNKNOWN, str(error))
            return ""

    def basis(self, number: int, cells: Sequence[Any]) -> str:
        try:
            return parse_basis(self.cell(cells, "basis"))
        except ValueError as error:
            self.bad(number, "basis", ErrorCode.UNKNOWN, str(error))
            return ""

    def number(self, number: int, cells: Sequence[Any], column: str, *, places: int, optional: bool = False,
               high: Decimal | None = None) -> Decimal | None:
        raw = self.cell(cells, column)
        if not _text(raw):
            if not optional:
                self.bad(number, column, ErrorCode.REQUIRED, "arvo puuttuu")
            return None
        try:
            value = parse_decimal(raw, places=places)
        except ValueError as error:
            self.bad(number, column, ErrorCode.INVALID, str(error))
            return None
        if value < 0 or (high is not None and value > high):
            self.bad(number, column, ErrorCode.INVALID,
                     f"{value} ei ole välillä 0–{high}" if high is not None else f"{value} on negatiivinen")
            return None
        return value

    def municipality_of(self, number: int, cells: Sequence[Any]) -> str:
        raw = self.cell(cells, "municipality")
        if not _text(raw):
            return self.municipality or ""
        try:
            code = municipality_code(raw)
        except ValueError as error:
            self.bad(number, "municipality", ErrorCode.INVALID, str(error))
            return ""
        if self.known_municipalities is not None and code not in self.known_municipalities:
            self.bad(number, "municipality", ErrorCode.UNKNOWN, f"tuntematon kuntanumero {code}")
        elif self.municipality is not None and code != self.municipality:
            self.bad(number, "municipality", ErrorCode.INVALID, f"kunta {code} ei ole laskun kunta {self.municipality}")
        return code

    def line(self, number: int, cells: Sequence[Any]) -> InvoiceLine | None:
        """The line, or None after recording every problem it has."""
        self._line_errors = 0
        hashed = self.identity_hash(number, cells)
        month = self.month(number, cells)
        benefit = self.benefit(number, cells)
        basis = self.basis(number, cells)
        days = self.number(number, cells, "paid_days", places=0, high=Decimal(MAX_DAYS_PER_MONTH))
        cumulative = self.number(number, cells, "cumulative_days", places=0, optional=True)
        paid = self.number(number, cells, "paid_eur", places=2)
        percent = self.number(number, cells, "share_percent", places=2, optional=True, high=Decimal(100))
        municipal = self.number(number, cells, "municipal_eur", places=2)
        if paid is not None and municipal is not None and municipal > paid:
            self.bad(number, "municipal_eur", ErrorCode.INVALID, f"kuntaosuus {municipal} € on suurempi kuin maksettu {paid} €")
        if cumulative is not None and days is not None and cumulative < days:
            self.bad(number, "cumulative_days", ErrorCode.INVALID,
                     f"kertymä {cumulative} on pienempi kuin kuukauden päivät {days}")
        line_municipality = self.municipality_of(number, cells)
        if self._line_errors or month is None or days is None or paid is None or municipal is None:
            return None
        return InvoiceLine(
            line=number, personal_id_hash=hashed, month=month, benefit_type=benefit, paid_days=int(days),
            cumulative_days=int(cumulative) if cumulative is not None else None, paid_eur=paid,
            share_percent=percent, municipal_eur=municipal, municipality=line_municipality, basis=basis,
        )


# --- who may check a municipality's invoice ----------------------------------------------------------------


def require_municipality_access(user: Any, municipality: str) -> None:
    """Administrators, and managers or analysts of an employment area the municipality belongs to.

    Reconciling an invoice reads the share data of every person billed to the municipality, so only the
    roles that see the municipality's persons as a whole may do it (``Capability.CHECK_KELA_INVOICES`` in their area,
    and administrators); counsellors see their team only, elected officials no person-level data at all.
    """
    profile = policy.staff_profile(user)
    scope = policy.scope_of(user, policy.Capability.CHECK_KELA_INVOICES)
    if profile is None or scope is None:
        raise AccessDenied("Roolilla ei ole oikeutta henkilötason kuntaosuustietoihin.")
    if scope == policy.Scope.EVERYONE:
        return
    today = timezone.localdate()
    if scope == policy.Scope.AREA and profile.area_id is not None and EmploymentAreaMembership.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        area_id=profile.area_id, municipality_id=municipality, valid_from__lte=today,
    ).exists():
        return
    raise AccessDenied("Ei oikeutta tämän kunnan kuntaosuuslaskuihin.")


# --- import and reconciliation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceCheck:
    """An imported (or shown) invoice and its reconciliation against Polku's computation."""

    invoice: KelaInvoice
    reconciliation: Reconciliation
    rule_set_verified: bool
    person_names: dict[Any, str]
    breakdown: InvoiceBreakdown
    facts: FactLoad | None = None  # set when the lines were loaded as facts (after the reconciliation)


def require_fact_write(user: Any) -> None:
    """Loading the lines as facts writes person data: the roles that may record facts (managers, admins)."""
    if not policy.can_write_person_data(user):
        raise AccessDenied("Roolilla ei ole oikeutta kirjata etuustietoja.")


def _polku_rows(book: RuleBook, municipality: str, invoice_month: date, lines: Sequence[InvoiceLine],
                matched: Collection[Any], *, user: Any) -> list[ShareRow]:
    """Engine rows of the months on the invoice for the persons on it and everyone Polku bills there, as far as
    they are within the user's scope (``matched`` already is)."""
    months = {invoice_month} | {line.month for line in lines}
    billed = policy.visible_person_ids(user, selectors.persons_billed_to([municipality], invoice_month, invoice_month))
    rows: list[ShareRow] = []
    for facts in selectors.person_facts(sorted({*matched, *billed}, key=str)):
        rows += [r for r in person_share_rows(facts, book, through=max(months)) if r.month in months]
    return rows


def persons_in_scope(lines: Sequence[InvoiceLine], *, user: Any, channel: str, purpose: str) -> dict[str, Any]:
    """The identity-code hashes of the lines whose person ``user`` may see, mapped to the person.

    Lines of anyone else — outside the user's area or team, or not in Polku at all — are left out, and are
    told apart in no way. An attempt at a person outside the scope is logged as refused against that person.
    """
    hashes = {line.personal_id_hash for line in lines}
    matched = dict(Person.objects.filter(personal_id_hash__in=hashes).values_list("personal_id_hash", "pk"))
    visible = policy.visible_person_ids(user, matched.values())
    refused = sorted((pk for pk in matched.values() if pk not in visible), key=str)
    if refused:
        log_refused(user=user, person_ids=refused, action=ACTION, purpose=purpose, channel=channel)
    return {hashed: pk for hashed, pk in matched.items() if pk in visible}


def _check(invoice: KelaInvoice, lines: Sequence[InvoiceLine], persons: dict[str, Any], *, user: Any,
           channel: str, purpose: str, benefits: Collection[str] | None) -> InvoiceCheck:
    """Reconcile ``lines`` for ``persons`` (those within the user's scope, see :func:`persons_in_scope`)."""
    book = current_rule_book()
    rows = _polku_rows(book, invoice.municipality_id, invoice.invoice_month, lines, set(persons.values()), user=user)
    result = reconcile(lines, rows, municipality=invoice.municipality_id, invoice_month=invoice.invoice_month,
                       rule_set=invoice.rule_set, book=book, persons=persons, benefit_scope=benefits,
                       scope_limited=not policy.sees_everyone(user))
    read = sorted({d.person_id for d in result.differences if d.person_id is not None} | set(persons.values()), key=str)
    log_person_reads(user=user, person_ids=read, action=ACTION, purpose=purpose, channel=channel)
    visible = policy.persons_visible_to(user).filter(pk__in=read)
    names = {p.pk: f"{p.last_name} {p.first_names}" for p in visible.only("pk", "last_name", "first_names")}
    try:
        verified = book.by_code(invoice.rule_set).verified
    except KeyError:
        verified = False
    return InvoiceCheck(invoice, result, verified, names, invoice_breakdown(lines, invoice.invoice_month))


def _load_facts(check: InvoiceCheck, lines: Sequence[InvoiceLine], persons: dict[str, Any], *, user: Any,
                channel: str, purpose: str, skip_unknown_persons: bool) -> InvoiceCheck:
    invoice = check.invoice
    load = load_invoice_facts(lines, persons, invoice_month=invoice.invoice_month, invoice_id=invoice.pk, user=user,
                              skip_unknown_persons=skip_unknown_persons,
                              unknown_reason=None if policy.sees_everyone(user) else NOT_IN_AREA_LINE)
    invoice.facts_loaded_at = timezone.now()
    invoice.facts_loaded_by = user if getattr(user, "is_authenticated", False) else None
    invoice.save(update_fields=["facts_loaded_at", "facts_loaded_by"])
    log_person_reads(user=user, person_ids=load.changed_person_ids, action=FACTS_ACTION, purpose=purpose,
                     channel=channel)
    return replace(check, facts=load)


def invoice_import(
    *, data: bytes, file_name: str, municipality: str, invoice_month: date, user: Any,
    rule_set: str | None = None, benefits: Collection[str] | None = None, channel: str = AccessChannel.WEB,
    purpose: str = DEFAULT_PURPOSE, as_facts: bool = False, skip_unknown_persons: bool = False,
) -> InvoiceCheck:
    """Validate the whole file, store it in one transaction, and reconcile it; a bad file writes nothing.

    ``as_facts`` also loads the lines as benefit-day facts (:mod:`~polku.municipal_share.invoice_facts`) in
    the same transaction, after the reconciliation (which thus shows Polku as it was before the invoice);
    ``skip_unknown_persons`` skips, and reports, lines of persons not in Polku instead of refusing the file.
    """
    require_municipality_access(user, municipality)
    if as_facts:
        require_fact_write(user)
    invoice_month = month_start(invoice_month)
    errors: list[FieldError] = []
    if not Municipality.objects.filter(code=municipality).exists():
        errors.append(FieldError("municipality", ErrorCode.UNKNOWN, f"Tuntematon kuntanumero: {municipality}."))
    book = current_rule_book()
    if rule_set is None:
        in_force = book.for_month(invoice_month)
        if in_force is None:
            errors.append(FieldError("month", ErrorCode.INVALID, f"Kuukaudelle {invoice_month:%Y-%m} ei ole sääntöä."))
        rule_set = in_force.code if in_force else ""
    elif rule_set not in {r.code for r in book.rule_sets}:
        errors.append(FieldError("rule_set", ErrorCode.UNKNOWN, f"Tuntematon sääntö: {rule_set}."))
    if benefits:
        unknown = sorted(set(benefits) - set(BENEFIT_KEYS.values()))
        if unknown:
            errors.append(FieldError("benefits", ErrorCode.UNKNOWN, f"Tuntematon etuus: {', '.join(unknown)}."))
    digest = hashlib.sha256(data).hexdigest()
    earlier = KelaInvoice.objects.filter(sha256=digest).first()
    if earlier is not None:
        errors.append(_duplicate(earlier))
    if errors:
        raise ValidationFailed(errors)
    parsed = parse_invoice(
        data, file_name=file_name, municipality=municipality, invoice_month=invoice_month,
        known_municipalities=set(Municipality.objects.values_list("code", flat=True)),
        require_artificial=settings.ARTIFICIAL_IDS_ONLY,
    )
    persons = persons_in_scope(parsed.lines, user=user, channel=channel, purpose=purpose)
    try:
        with transaction.atomic():
            invoice = KelaInvoice.objects.create(
                municipality_id=municipality, invoice_month=invoice_month, rule_set=rule_set,
                imported_by=user if getattr(user, "is_authenticated", False) else None,
                file_name=file_name[:255], sha256=digest, encoding=parsed.encoding, line_count=len(parsed.lines),
                total_paid_days=sum(line.paid_days for line in parsed.lines),
                total_paid_eur=sum((line.paid_eur for line in parsed.lines), Decimal(0)),
                total_municipal_eur=sum((line.municipal_eur for line in parsed.lines), Decimal(0)),
            )
            KelaInvoiceLine.objects.bulk_create([
                KelaInvoiceLine(
                    invoice=invoice, line_number=line.line, person_id=persons.get(line.personal_id_hash),
                    personal_id_hash=line.personal_id_hash, month=line.month, benefit_type=line.benefit_type,
                    paid_days=line.paid_days, cumulative_days=line.cumulative_days, paid_eur=line.paid_eur,
                    share_percent=line.share_percent, municipal_eur=line.municipal_eur,
                    municipality=line.municipality, basis=line.basis,
                ) for line in parsed.lines
            ])
            check = _check(invoice, parsed.lines, persons, user=user, channel=channel, purpose=purpose,
                           benefits=benefits)
            if as_facts:
                check = _load_facts(check, parsed.lines, persons, user=user, channel=channel, purpose=purpose,
                                    skip_unknown_persons=skip_unknown_persons)
            return check
    except IntegrityError:
        earlier = KelaInvoice.objects.filter(sha256=digest).first()
        if earlier is None:
            raise
        raise ValidationFailed([_duplicate(earlier)]) from None


def _duplicate(earlier: KelaInvoice) -> FieldError:
    return FieldError("tiedosto", ErrorCode.DUPLICATE,
                      f"Sama tiedosto on jo tuotu: lasku {earlier.pk} ({earlier.imported_at:%Y-%m-%d}).")


def stored_lines(invoice: KelaInvoice) -> list[InvoiceLine]:
    return [
        InvoiceLine(line=row.line_number, personal_id_hash=row.personal_id_hash, month=row.month,
                    benefit_type=row.benefit_type, paid_days=row.paid_days, cumulative_days=row.cumulative_days,
                    paid_eur=row.paid_eur, share_percent=row.share_percent, municipal_eur=row.municipal_eur,
                    municipality=row.municipality, basis=row.basis)
        for row in invoice.lines.order_by("line_number")
    ]


def invoice_check(*, invoice_id: int, user: Any, channel: str = AccessChannel.WEB, purpose: str = DEFAULT_PURPOSE,
                  benefits: Collection[str] | None = None) -> InvoiceCheck:
    """An imported invoice reconciled against Polku's facts as they are now (corrections show up)."""
    invoice = KelaInvoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise ValidationFailed.single("id", ErrorCode.UNKNOWN, f"Laskua {invoice_id} ei ole.")
    require_municipality_access(user, invoice.municipality_id)
    lines = stored_lines(invoice)
    # Match again: a person added to Polku (or to the user's scope) after the import is found now.
    persons = persons_in_scope(lines, user=user, channel=channel, purpose=purpose)
    return _check(invoice, lines, persons, user=user, channel=channel, purpose=purpose, benefits=benefits)


def invoice_load_facts(*, invoice_id: int, user: Any, channel: str = AccessChannel.WEB,
                       purpose: str = DEFAULT_PURPOSE, skip_unknown_persons: bool = False,
                       benefits: Collection[str] | None = None) -> InvoiceCheck:
    """Load an imported invoice's lines as facts (one transaction); loading them again changes nothing."""
    invoice = KelaInvoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise ValidationFailed.single("id", ErrorCode.UNKNOWN, f"Laskua {invoice_id} ei ole.")
    require_municipality_access(user, invoice.municipality_id)
    require_fact_write(user)
    lines = stored_lines(invoice)
    persons = persons_in_scope(lines, user=user, channel=channel, purpose=purpose)
    with transaction.atomic():
        check = _check(invoice, lines, persons, user=user, channel=channel, purpose=purpose, benefits=benefits)
        return _load_facts(check, lines, persons, user=user, channel=channel, purpose=purpose,
                           skip_unknown_persons=skip_unknown_persons)


def _part_dict(part: InvoicePart) -> dict[str, Any]:
    return {"month": f"{part.month:%Y-%m}" if part.month else None, "catch_up": part.catch_up, "lines": part.lines,
            "persons": part.persons, "paid_days": part.paid_days, "paid_eur": str(part.paid_eur),
            "municipal_eur": str(part.municipal_eur)}


def breakdown_as_dict(breakdown: InvoiceBreakdown) -> dict[str, Any]:
    return {"invoice_month": _part_dict(breakdown.current),
            "catch_up_months": [_part_dict(p) for p in breakdown.catch_up],
            "catch_up_total": _part_dict(breakdown.catch_up_total), "total": _part_dict(breakdown.total)}


def facts_as_dict(load: FactLoad) -> dict[str, Any]:
    return {
        "created": load.count("created"), "superseded": load.count("superseded"),
        "unchanged": load.count("unchanged"), "skipped_lines": list(load.skipped_lines),
        "changes": [
            {"lines": list(c.lines), "person_id": str(c.person_id), "month": f"{c.month:%Y-%m}",
             "benefit_type": c.benefit_type, "basis": c.basis, "action": c.action, "days": c.days,
             "amount": str(c.amount), "previous_days": c.previous_days,
             "previous_amount": None if c.previous_amount is None else str(c.previous_amount)}
            for c in load.changes
        ],
    }


def check_as_dict(check: InvoiceCheck) -> dict[str, Any]:
    """The JSON shape shared by the API and ``polku kela_invoice --json`` (money as strings, months YYYY-MM)."""
    invoice, result = check.invoice, check.reconciliation
    summary = result.summary
    return {
        "invoice": {
            "id": invoice.pk, "municipality": invoice.municipality_id, "month": f"{invoice.invoice_month:%Y-%m}",
            "rule_set": invoice.rule_set, "rule_set_verified": check.rule_set_verified,
            "file_name": invoice.file_name, "encoding": invoice.encoding, "line_count": invoice.line_count,
            "imported_at": invoice.imported_at.isoformat(),
            "imported_by": invoice.imported_by.get_username() if invoice.imported_by else None,
            "facts_loaded_at": invoice.facts_loaded_at.isoformat() if invoice.facts_loaded_at else None,
        },
        "breakdown": breakdown_as_dict(check.breakdown),
        "facts": facts_as_dict(check.facts) if check.facts is not None else None,
        "summary": {
            "invoice_municipal_eur": str(summary.invoice_municipal_eur),
            "polku_municipal_eur": str(summary.polku_municipal_eur),
            "difference_eur": str(summary.difference_eur),
            "invoice_lines": summary.invoice_lines, "invoice_persons": summary.invoice_persons,
            "matched_persons": summary.matched_persons, "unknown_persons": summary.unknown_persons,
            "missing_persons": summary.missing_persons, "compared_rows": summary.compared_rows,
            "rows_without_differences": summary.rows_without_differences,
            "differences_by_kind": dict(summary.differences_by_kind),
        },
        "differences": [
            {
                "kind": str(d.kind), "person_id": str(d.person_id) if d.person_id is not None else None,
                "person_name": check.person_names.get(d.person_id), "month": f"{d.month:%Y-%m}",
                "benefit_type": d.benefit_type, "lines": list(d.lines),
                "invoice": None if d.invoice is None else str(d.invoice),
                "polku": None if d.polku is None else str(d.polku), "reason": d.reason,
            }
            for d in result.differences
        ],
    }
