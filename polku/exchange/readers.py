"""Open an exchange file whatever its format, and read it row by row without loading it whole.

CSV (semicolon, comma or tab; UTF-8, UTF-8 with BOM or Windows-1252), Excel ``.xlsx`` (the first worksheet),
Parquet and JSON Lines. Each row comes as ``(row number, {header in lower case: value})``: the row number is the
one a person sees in a spreadsheet (the header is row 1) or the line of a JSON Lines file, so an error can name it.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polku.core.tabular import decode_sample, text

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}
SAMPLE_BYTES = 1 << 20


class UnreadableFile(ValueError):  # noqa: N818 - reads as a sentence
    """The file is not in any accepted format (the message says why, in Finnish)."""


@dataclass
class OpenedFile:
    name: str
    format: str
    encoding: str
    header: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]


def header_key(name: Any) -> str:
    """Headers compare case-insensitively and without surrounding spaces or a BOM."""
    return text(name).lstrip("\ufeff").strip().lower()


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise UnreadableFile(f"tiedostomuoto {suffix or '(ei päätettä)'} ei käy: käytä .csv, .xlsx, .parquet tai .jsonl")
    return FORMATS[suffix]


def open_file(path: Path, name: str | None = None) -> OpenedFile:
    """Open ``path`` (shown to users as ``name``) for reading rows."""
    name = name or path.name
    kind = file_format(name)
    if kind == "csv":
        return _csv(path, name)
    if kind == "xlsx":
        return _xlsx(path, name)
    if kind == "parquet":
        return _parquet(path, name)
    return _jsonl(path, name)


def _encoding(path: Path) -> str:
    """UTF-8 unless some byte says otherwise; the whole file is checked, in blocks, before a row is read."""
    with path.open("rb") as stream:
        first = stream.read(SAMPLE_BYTES)
        guess = decode_sample(first)
        if guess == "cp1252":
            return _cp1252_or_refuse(path)
        if guess != "utf-8":
            return guess
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(first)
            while block := stream.read(SAMPLE_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _cp1252_or_refuse(path)
    return "utf-8"


def _cp1252_or_refuse(path: Path) -> str:
    """Windows-1252 leaves five bytes undefined: a file with one of them is in neither accepted encoding."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as stream:
        try:
            while block := stream.read(SAMPLE_BYTES):
                decoder.decode(block)
        except UnicodeDecodeError:
            raise UnreadableFile("merkistö ei ole UTF-8 eikä Windows-1252; tallenna tiedosto UTF-8-muodossa") from None
    return "cp1252"


def _csv(path: Path, name: str) -> OpenedFile:
    encoding = _encoding(path)
    stream = path.open("r", encoding=encoding, newline="")
    first = stream.readline()
    delimiter = max((";", "\t", ","), key=first.count) if first.strip() else ";"
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = [header_key(h) for h in next(reader)]
    except StopIteration:
        stream.close()
        raise UnreadableFile("tiedosto on tyhjä") from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with stream:
            line = reader.line_num
            for cells in reader:
                number, line = line + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    extra = [c for c in cells[len(header):] if c.strip()]
                    if extra:
                        yield number, {"__extra__": len(cells)}
                        continue
                yield number, dict(zip(header, cells, strict=False))

    return OpenedFile(name, "csv", encoding, header, rows())


def _xlsx(path: Path, name: str) -> OpenedFile:
    import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile(f"Excel-tiedostoa ei voi lukea ({type(error).__name__})") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [header_key(h) for h in next(values)]
    except StopIteration:
        workbook.close()
        raise UnreadableFile("taulukko on tyhjä") from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for number, cells in enumerate(values, start=2):
                if all(c is None or text(c) == "" for c in cells):
                    continue
                if any(c is not None and text(c) != "" for c in cells[len(header):]):
                    yield number, {"__extra__": len(cells)}
                    continue
                yield number, dict(zip(header, cells, strict=False))
        finally:
            workbook.close()

    return OpenedFile(name, "xlsx", "", header, rows())


def _parquet(path: Path, name: str) -> OpenedFile:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception as error:
        raise UnreadableFile(f"Parquet-tiedostoa ei voi lukea ({type(error).__name__})") from None
    header = [header_key(n) for n in source.schema_arrow.names]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        for batch in source.iter_batches(batch_size=50_000):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, dict(zip(header, values, strict=True))

    return OpenedFile(name, "parquet", "", header, rows())


def _jsonl(path: Path, name: str) -> OpenedFile:
    """JSON Lines: the header is every key any line has (a first pass over the file), in the order first seen."""
    encoding = _encoding(path)
    keys: dict[str, None] = {}
    with path.open("r", encoding=encoding) as stream:
        for line in stream:
            try:
                record = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                keys.update(dict.fromkeys(header_key(k) for k in record))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with path.open("r", encoding=encoding) as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    yield number, {"__json__": "invalid"}
                    continue
                if not isinstance(record, dict):
                    yield number, {"__json__": "not an object"}
                    continue
                yield number, {header_key(k): v for k, v in record.items()}

    return OpenedFile(name, "jsonl", encoding, list(keys), rows())
