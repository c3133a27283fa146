"""Converting an exchange file's cells a batch at a time, in DuckDB, instead of one cell at a time in Python.

The file is read as before (:mod:`polku.exchange.readers` keeps the accepted dialects and the row numbers a person
sees), but its rows are gathered into batches, and each batch's cells are mapped and converted by one SQL statement:
the profile's column renames pick the cells, its code lists are join tables, and each field's type and constraints
(required, enum, pattern, length, range, Finnish and ISO dates, decimal commas) become SQL made from the same
:class:`~polku.exchange.schema.Field` definitions that :func:`polku.exchange.rows.converter` reads.

The SQL is a *filter that only says yes*: a cell in a form it does not take for certain (a padded cell, a date with a
time, a number with thousands spaces, a value out of range, an unknown code …) sends its whole row to the row reader
(:meth:`RowReader.row`), which remains the one definition of what a row means and of every error message. The rows
the SQL took go on to the row reader's checks of a row as a whole (:meth:`RowReader.checked`). So both paths give the
same records and the same problems, in row order; ``tests/exchange/test_columnar.py`` proves it on the sample, messy
and simulated files and on random cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from polku.exchange.profiles import WILDCARD
from polku.exchange.rows import Problem, Record, RowReader
from polku.exchange.schema import Field

BATCH_ROWS = 50_000
# Python's str.strip() strips what str.isspace() calls space: ASCII space and controls, \x1c-\x1f, \x85 and Unicode's
# separators. A cell that begins or ends with one is left to the row reader.
_PADDED = r"^[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]|[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]$"
_TRUE = ("1", "true", "kyllä", "kylla", "k", "yes", "y", "ja", "x", "tosi")
_FALSE = ("0", "false", "ei", "e", "no", "n", "nej", "epätosi")
_FINNISH_DATE = r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"
_ISO_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _in(expression: str, values: tuple[str, ...]) -> str:
    return f"{expression} IN ({', '.join(_literal(v) for v in values)})"


def _day(expression: str) -> str:
    """A day from ``d.m.yyyy`` or ``yyyy-mm-dd`` (NULL for anything else, or a day not in the calendar)."""
    finnish = (f"try(make_date(CAST(regexp_extract({expression}, '^{_FINNISH_DATE}$', 3) AS INTEGER), "
               f"CAST(regexp_extract({expression}, '^{_FINNISH_DATE}$', 2) AS INTEGER), "
               f"CAST(regexp_extract({expression}, '^{_FINNISH_DATE}$', 1) AS INTEGER)))")
    iso = (f"try(make_date(CAST(regexp_extract({expression}, '^{_ISO_DATE}$', 1) AS INTEGER), "
           f"CAST(regexp_extract({expression}, '^{_ISO_DATE}$', 2) AS INTEGER), "
           f"CAST(regexp_extract({expression}, '^{_ISO_DATE}$', 3) AS INTEGER)))")
    return (f"CASE WHEN regexp_full_match({expression}, '{_FINNISH_DATE}') THEN {finnish} "
            f"WHEN regexp_full_match({expression}, '{_ISO_DATE}') THEN {iso} END")


def field_sql(f: Field, cell: str, codes: dict[str, str] | None, code_table: str | None) -> tuple[str, str]:
    """(value, ok) SQL of field ``f`` from the text ``cell`` (NULL when the file has no such column): ``ok`` only
    when the row reader's :func:`~polku.exchange.rows.converter` would take the cell and give ``value``."""
    checks = [f"({cell} IS NULL OR NOT regexp_matches({cell}, '{_PADDED}'))"]
    raw = f"coalesce({cell}, '')"
    if codes is not None:
        assert code_table is not None
        wildcard = codes.get(WILDCARD)
        matched = f"{code_table}.code IS NOT NULL"
        mapped = f"CASE WHEN {matched} THEN {code_table}.ours"
        if wildcard is not None:
            mapped += f" WHEN {raw} <> '' THEN {_literal(wildcard)}"
        mapped += f" ELSE {raw} END"
        known = [matched]
        if wildcard is not None:
            known.append(f"{raw} <> ''")
        if not f.required:
            known.append(f"{raw} = ''")
        checks.append(f"({' OR '.join(known)})")
        raw = mapped
    empty = "FALSE" if f.type == "boolean" else "''" if f.type == "string" else "NULL"
    value, ok = _typed(f, raw)
    checks.append(f"CASE WHEN {raw} = '' THEN {_literal(not f.required)} ELSE coalesce({ok}, FALSE) END")
    return f"CASE WHEN {raw} = '' THEN {empty} ELSE {value} END", " AND ".join(checks)


def _in_range(f: Field, value: str) -> list[str]:
    out = []
    if f.minimum is not None:
        out.append(f"{value} >= {_literal(f.minimum)}")
    if f.maximum is not None:
        out.append(f"{value} <= {_literal(f.maximum)}")
    return out


def _string(f: Field, v: str) -> tuple[str, str]:
    ok = []
    if f.max_length is not None:
        ok.append(f"length({v}) <= {f.max_length}")
    if f.pattern is not None:
        ok.append(f"regexp_full_match({v}, {_literal(f.pattern)})")
    if f.enum is not None:
        ok.append(_in(v, f.enum))
    if f.name == "municipality":  # zero-padded to three digits, as the row reader's zfill
        ok.append(f"regexp_full_match({v}, '[0-9]+')")
        return f"CASE WHEN length({v}) < 3 THEN lpad({v}, 3, '0') ELSE {v} END", " AND ".join(ok)
    return v, " AND ".join(ok) or "TRUE"


def _integer(f: Field, v: str) -> tuple[str, str]:
    value = f"try_cast({v} AS BIGINT)"
    return value, " AND ".join([f"regexp_full_match({v}, '-?[0-9]{{1,17}}')", *_in_range(f, value)])


def _number(f: Field, v: str) -> tuple[str, str]:
    value = f"try_cast(replace({v}, ',', '.') AS DECIMAL(18, 2))"
    # Minus zero keeps its sign in Python's Decimal (and so in the content hash): left to the row reader.
    return value, " AND ".join([f"regexp_full_match({v}, '-?[0-9]{{1,15}}(,[0-9]{{1,2}})?')",
                                f"NOT ({v} LIKE '-%' AND {value} = 0)", *_in_range(f, value)])


def _date(f: Field, v: str) -> tuple[str, str]:
    value = _day(v)
    return value, f"{value} IS NOT NULL AND year({value}) BETWEEN 1900 AND 2100"


def _year_month(f: Field, v: str) -> tuple[str, str]:
    value = (f"try(make_date(CAST(regexp_extract({v}, '^([0-9]{{4}})-([0-9]{{1,2}})$', 1) AS INTEGER), "
             f"CAST(regexp_extract({v}, '^([0-9]{{4}})-([0-9]{{1,2}})$', 2) AS INTEGER), 1))")
    return value, (f"regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{1,2}}') AND {value} IS NOT NULL "
                   f"AND year({value}) BETWEEN 1900 AND 2100")


def _boolean(f: Field, v: str) -> tuple[str, str]:
    lowered = f"lower({v})"
    # Only cells of letters this function and Python's str.lower() agree on.
    return (_in(lowered, _TRUE),
            f"regexp_full_match({v}, '[A-Za-z0-9äÄöÖ]+') AND ({_in(lowered, _TRUE)} OR {_in(lowered, _FALSE)})")


_TYPES = {"string": _string, "integer": _integer, "number": _number, "date": _date, "yearmonth": _year_month,
          "boolean": _boolean}


def _typed(f: Field, v: str) -> tuple[str, str]:
    """(value, ok) of a non-empty text ``v`` as field ``f``'s type; a type this module does not know is never ok."""
    typed = _TYPES.get(f.type)
    return typed(f, v) if typed is not None else ("NULL", "FALSE")


BAD = object()  # a cell the SQL did not take for certain: its row goes to the row reader


class ColumnarReader:
    """Records of one file, as :meth:`RowReader.records` gives them, with the cells converted a batch at a time.

    A batch's column is converted as a set: each distinct text once (a register repeats its dates, months, amounts
    and codes endlessly), in one SQL statement per field, and the values are then laid back into the rows."""

    def __init__(self, reader: RowReader) -> None:
        self.reader = reader
        self.names = [f.name for f in reader.entity.fields]
        self.db = duckdb.connect()
        self.db.execute("SET threads = 1")  # small statements: a thread pool costs more than it gives
        self.fields: list[tuple[str | None, str]] = []  # per field: its header in the file, and its SQL
        for i, f in enumerate(reader.entity.fields):
            codes = reader.codes.get(f.name)
            table, join = None, ""
            if codes is not None:
                table = f"codes_{i}"
                listed = pa.table({"code": [c for c in codes if c != WILDCARD],
                                   "ours": [o for c, o in codes.items() if c != WILDCARD]},
                                  schema=pa.schema([("code", pa.string()), ("ours", pa.string())]))
                self.db.register(table, listed)
                join = f"LEFT JOIN {table} ON {table}.code = coalesce(cells.t, '')"
            value, ok = field_sql(f, "cells.t", codes, table)
            self.fields.append((reader.map.columns.get(f.name),
                                f"SELECT cells.t, {value} AS v, {ok} AS ok FROM cells {join}"))  # noqa: S608

    def records(self, problems: list[Problem]) -> Iterator[Record]:
        reader = self.reader
        problems.extend(reader.map.problems)
        if reader.map.problems:
            self.db.close()
            return
        numbers: list[int] = []
        raws: list[dict[str, Any]] = []
        try:
            for number, raw in reader.opened.rows:
                numbers.append(number)
                raws.append(raw)
                if len(raws) >= BATCH_ROWS:
                    yield from self._batch(numbers, raws, problems)
                    numbers, raws = [], []
            if raws:
                yield from self._batch(numbers, raws, problems)
        finally:
            self.db.close()

    def _batch(self, numbers: list[int], raws: list[dict[str, Any]], problems: list[Problem]) -> Iterator[Record]:
        """A batch's records in row order: the rows the SQL converted, and the others through the row reader."""
        refused: set[int] = set()  # rows with a cell the SQL did not take, or no cells at all (a marker of the reader)
        columns = [self._column(header, sql, raws, refused) for header, sql in self.fields]
        refused.update(i for i, raw in enumerate(raws) if "__extra__" in raw or "__json__" in raw)
        reader = self.reader
        names = self.names
        for i, row in enumerate(zip(*columns, strict=True)):
            if i in refused:
                record = reader.row(numbers[i], raws[i], problems)
            else:
                record = reader.checked(numbers[i], dict(zip(names, row, strict=True)), problems)
            if record is not None:
                yield record

    def _column(self, header: str | None, sql: str, raws: list[dict[str, Any]], refused: set[int]) -> list[Any]:
        """One field's values for the batch's rows; the rows with a cell the SQL did not take go to ``refused``."""
        cells = [raw.get(header) for raw in raws] if header is not None else [None] * len(raws)
        # Typed cells (a spreadsheet's numbers and dates, Parquet's, JSON's) are the row reader's.
        texts = {c for c in cells if type(c) is str}
        distinct = pa.table({"t": pa.array([*texts, None], type=pa.string())})
        self.db.register("cells", distinct)
        try:
            result = self.db.sql(sql).to_arrow_table()
        finally:
            self.db.unregister("cells")
        converted: dict[Any, Any] = {}
        bad = False
        for t, v, ok in zip(result.column("t").to_pylist(), result.column("v").to_pylist(),
                            result.column("ok").to_pylist(), strict=True):
            converted[t] = v if ok else BAD
            bad = bad or not ok
        values = [converted[c] if c is None or type(c) is str else BAD for c in cells]
        if bad or BAD in values:  # BAD in values: a typed cell
            refused.update(i for i, v in enumerate(values) if v is BAD)
        return values
