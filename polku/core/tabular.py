"""Reading values the way Finnish offices' files write them: encodings, decimal commas, Finnish dates.

Shared by every import of tabular files (the register exchange, Kela's lists, reference series), so a date or a
euro amount is read the same way whichever file it arrives in. Each parser raises ``ValueError`` with a short
Finnish reason; callers add the row and the column.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_FINNISH_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})|(\d{1,2})\s*[-/.]\s*(\d{4})|(\d{4})(\d{2})")


def decode_sample(data: bytes) -> str:
    """The encoding bytes are in: BOM first, then strict UTF-8, then Windows-1252 (what Excel saves as CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of a sample is still UTF-8.
        if error.start < len(data) - 3:
            return "cp1252"
    return "utf-8"


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: Any) -> date:
    """A day written ``d.m.yyyy`` or ISO ``yyyy-mm-dd`` (or a spreadsheet's or Parquet's own date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    for pattern, order in ((_FINNISH_DATE, (2, 1, 0)), (_ISO_DATE, (0, 1, 2))):
        match = pattern.fullmatch(raw)
        if match is not None:
            parts = [int(p) for p in match.groups()[:3]]
            try:
                day = date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                raise ValueError(f"päivää {raw} ei ole kalenterissa") from None
            if not 1900 <= day.year <= 2100:
                raise ValueError(f"vuosi {day.year} ei ole mahdollinen")
            return day
    raise ValueError(f"ei ole päivämäärä (muoto 31.12.2024 tai 2024-12-31): {raw[:20]}")


def parse_year_month(value: Any) -> date:
    """The first day of the month a cell names: 2024-02, 2/2024, 202402, or a date in the month."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return day.replace(day=1)
    raw = text(value)
    match = _YEAR_MONTH.fullmatch(raw)
    if match is None:
        try:
            return parse_date(raw).replace(day=1)
        except ValueError:
            raise ValueError(f"ei ole kuukausi (muoto 2024-02 tai 2/2024): {raw[:20]}") from None
    groups = match.groups()
    year, month = (groups[0], groups[1]) if groups[0] else (groups[3], groups[2]) if groups[3] else (groups[4], groups[5])
    if not 1 <= int(month) <= 12 or not 1900 <= int(year) <= 2100:
        raise ValueError(f"kuukautta {raw} ei ole kalenterissa")
    return date(int(year), int(month), 1)


def parse_decimal(value: Any, *, places: int = 2) -> Decimal:
    """A number with a decimal comma (or point), optional thousands spaces and a trailing € or %."""
    if isinstance(value, bool):
        raise ValueError("ei ole luku")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(repr(value))
        rounded = number.quantize(Decimal(1).scaleb(-places))
        if abs(number - rounded) < Decimal("0.000001"):  # float noise from a spreadsheet formula
            return rounded
        raise ValueError(f"enintään {places} desimaalia" if places else "ei ole kokonaisluku")
    else:
        number = _decimal_text(_SPACES.sub("", text(value)).rstrip("€%").replace("−", "-"), places)
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if rounded != number:
        raise ValueError(f"enintään {places} desimaalia" if places else "ei ole kokonaisluku")
    return rounded


def _decimal_text(raw: str, places: int) -> Decimal:
    """The number a cell's text writes: ``1 234,56``, ``1.234,56`` or, without a comma, ``1234.56``."""
    if not raw:
        raise ValueError("arvo puuttuu")
    if "," in raw:
        if not re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d*|-?\d+,\d*", raw):
            raise ValueError("ei ole luku (desimaalipilkku: 1234,56)")
        raw = raw.replace(".", "").replace(",", ".")
    elif not re.fullmatch(r"-?\d+(\.\d*)?", raw):
        raise ValueError("ei ole luku (desimaalipilkku: 1234,56)")
    elif "." in raw and len(raw.partition(".")[2]) > places:
        # "1.500" is a thousand and five hundred to a Finnish reader and one and a half to a program: refuse it.
        raise ValueError("epäselvä luku: käytä desimaalipilkkua (1500,00 tai 1,50)")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError("ei ole luku") from None


def parse_integer(value: Any) -> int:
    return int(parse_decimal(value, places=0))


_TRUE = {"1", "true", "kyllä", "kylla", "k", "yes", "y", "ja", "x", "tosi"}
_FALSE = {"0", "false", "ei", "e", "no", "n", "nej", "epätosi", ""}


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"ei ole kyllä/ei-arvo: {raw[:10]}")


# A cell may hold a tab or a line break, never another control character: they are no part of a name, a date or a
# code but a broken export's, and PostgreSQL refuses a NUL in any text column (the whole import failed on it). Nor a
# lone surrogate, which JSON Lines can carry ("\\ud800") and neither database driver can encode. The cell is checked
# as read, before anything is stripped or parsed, so a problem never repeats one back either.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def refuse_control_characters(cell: str) -> None:
    control = CONTROL_CHARACTER.search(cell)
    if control is not None:
        raise ValueError(f"merkki U+{ord(control.group()):04X} kohdassa {control.start() + 1} ei kelpaa: "
                         "soluun kuuluu vain näkyviä merkkejä, sarkain ja rivinvaihto")


def printable(text: str) -> str:
    """``text`` with each control character (tab and line break aside) and lone surrogate shown as U+FFFD: for a
    problem's column name or message, which may repeat what a file held."""
    return CONTROL_CHARACTER.sub("\ufffd", text)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_text(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it: a cell that a spreadsheet would read as a formula (it
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break) gets a leading apostrophe, the spreadsheet's own
    "this is text" mark. For files we hand out that repeat what somebody else's file held (an import's problem list
    quotes unknown column names and cells), so opening the list in Excel cannot run a formula smuggled into an
    upload."""
    return "'" + text if text.startswith(FORMULA_START) else text


def workbook(stream: Any) -> Any:
    """A new xlsxwriter workbook written to ``stream`` (in memory) that writes every string as text: xlsxwriter's
    ``write()`` would otherwise turn a string starting with ``=`` into a formula, and names typed by people (a
    team's, a programme's) reach our workbooks. Every workbook we hand out opens here."""
    import xlsxwriter  # type: ignore[import-untyped]

    return xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False})

