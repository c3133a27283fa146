"""JSON-stat 2.0 datasets, the format PxWeb answers in with ``"response": {"format": "json-stat2"}``, as cells.

Pure (no database, no knowledge of any particular table), so it can be tested on generated data and reused for
any PxWeb table. A file is checked whole before any cell is given out: every problem becomes a
:class:`~polku.core.errors.FieldError` whose field is the JSON path (``dimension.Kuukausi.category.index``,
``value[17]``) so a user can find it in the file. Checking stops after the first section whose errors would make
the following checks meaningless (without ``id`` and ``size`` no value can be placed).

Numbers are read as :class:`~decimal.Decimal` straight from the JSON text, never through ``float``, so ``35.1``
stays ``35.1``. ``null`` values (missing or confidential figures) stay ``None``, with the dataset's ``status``
symbol (Statistics Finland's ``.``, ``..``, ``...``) kept beside them.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from polku.core.errors import ErrorCode, FieldError, ValidationFailed

FILE = "tiedosto"  # the field of problems that concern the whole file, not one JSON path
MAX_ERRORS = 20  # a broken 60 000-value file would otherwise produce 60 000 lines


@dataclass(frozen=True)
class Dimension:
    """One dimension: its category codes in index order and their labels (the code when the file has none)."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: Mapping[str, str]

    def category_label(self, code: str) -> str:
        return self.labels.get(code, code)


@dataclass(frozen=True)
class Cell:
    """One value with the category code it has in each dimension (``{"Alue": "KU765", "Kuukausi": "2021M12", …}``)."""

    codes: Mapping[str, str]
    value: Decimal | None
    status: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A parsed, checked dataset. ``values`` and ``statuses`` are by flat (row-major) position."""

    dimensions: tuple[Dimension, ...]
    values: tuple[Decimal | None, ...]
    statuses: Mapping[int, str] = field(default_factory=dict)
    label: str = ""
    source: str = ""
    updated: str = ""
    notes: tuple[str, ...] = ()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extension: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def dimension(self, dimension_id: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    def cells(self) -> Iterator[Cell]:
        """Every cell, in the file's order: the last dimension varies fastest (JSON-stat's row-major order)."""
        ids = self.ids
        grid = itertools.product(*(d.codes for d in self.dimensions))
        for position, codes in enumerate(grid):
            yield Cell(dict(zip(ids, codes, strict=True)), self.values[position], self.statuses.get(position))


class Problems:
    """Collects field errors, keeping the first :data:`MAX_ERRORS` and counting the rest (shared with ``tables``)."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.more = 0

    def add(self, path: str, code: ErrorCode, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(FieldError(path, code, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.more:
            self.errors.append(FieldError(FILE, ErrorCode.INVALID, f"Lisäksi {self.more} muuta virhettä."))
        if self.errors:
            raise ValidationFailed(self.errors)


def parse(data: bytes | str) -> Dataset:
    """Parse and check a JSON-stat2 file (UTF-8, with or without BOM); raises ``ValidationFailed``."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed.single(FILE, ErrorCode.INVALID, "Tiedosto ei ole UTF-8-merkistöä.") from None
    try:
        # NaN and Infinity are not JSON numbers: kept as strings, they are refused as values below.
        document = json.loads(data, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as error:
        raise ValidationFailed.single(
            FILE, ErrorCode.INVALID, f"Tiedosto ei ole JSONia: {error.msg} (rivi {error.lineno}, sarake {error.colno}).",
        ) from None
    return parse_document(document)


def parse_document(document: Any) -> Dataset:
    """Check an already decoded JSON document (numbers as ``int`` or ``Decimal``) and build the dataset."""
    _check_header(document)
    ids, sizes = _ids_and_sizes(document)
    dimensions = _dimensions(document, ids, sizes)
    total = math.prod(sizes)
    problems = Problems()
    values = _values(document.get("value"), total, problems)
    statuses = _statuses(document.get("status"), total, problems)
    problems.raise_if_any()
    return Dataset(
        dimensions=dimensions, values=values, statuses=statuses, label=_text(document.get("label")),
        source=_text(document.get("source")), updated=_text(document.get("updated")),
        notes=_notes(document.get("note")), roles=_roles(document.get("role")),
        extension=document["extension"] if isinstance(document.get("extension"), dict) else {},
    )


def _check_header(document: Any) -> None:
    """An object of class ``dataset``, version 2.0; the other PxWeb formats are named, as users mix them up."""
    if not isinstance(document, dict):
        raise ValidationFailed.single(FILE, ErrorCode.INVALID, "JSON-stat2-aineisto on JSON-objekti {…}.")
    if "version" not in document:
        if "dataset" in document:
            hint = "Tiedosto on JSON-stat 1 -muodossa; hae PxWebistä muodossa json-stat2."
        elif "columns" in document and "data" in document:
            hint = "Tiedosto on PxWebin json-muodossa; hae muodossa json-stat2."
        else:
            hint = "Versio puuttuu; odotettiin JSON-stat2-aineistoa (\"version\": \"2.0\")."
        raise ValidationFailed.single("version", ErrorCode.REQUIRED, hint)
    problems = Problems()
    if document["version"] != "2.0":
        problems.add("version", ErrorCode.INVALID,
                     f"Versio {document['version']!r} ei ole tuettu; vain JSON-stat \"2.0\" (PxWebin json-stat2).")
    if document.get("class") != "dataset":
        problems.add("class", ErrorCode.INVALID,
                     f"Luokka {document.get('class')!r} ei ole tuettu; vain \"dataset\" (yksi taulukko).")
    problems.raise_if_any()


def _ids_and_sizes(document: dict[str, Any]) -> tuple[list[str], list[int]]:
    ids, sizes = document.get("id"), document.get("size")
    problems = Problems()
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        problems.add("id", ErrorCode.INVALID, "Ulottuvuuksien tunnukset ovat luettelo merkkijonoja.")
    elif len(set(ids)) != len(ids):
        problems.add("id", ErrorCode.DUPLICATE, "Sama ulottuvuus on luettelossa kahdesti.")
    if not isinstance(sizes, list) or not all(_is_int(s) and s >= 0 for s in sizes):
        problems.add("size", ErrorCode.INVALID, "Ulottuvuuksien koot ovat luettelo ei-negatiivisia kokonaislukuja.")
    elif isinstance(ids, list) and len(sizes) != len(ids):
        problems.add("size", ErrorCode.INVALID, f"Kokoja on {len(sizes)}, ulottuvuuksia {len(ids)}.")
    if not isinstance(document.get("dimension"), dict):
        problems.add("dimension", ErrorCode.REQUIRED, "Ulottuvuuksien kuvaukset puuttuvat.")
    problems.raise_if_any()
    assert isinstance(ids, list)
    assert isinstance(sizes, list)
    return ids, sizes


def _dimensions(document: dict[str, Any], ids: list[str], sizes: list[int]) -> tuple[Dimension, ...]:
    problems = Problems()
    dimensions = []
    for position, (dimension_id, size) in enumerate(zip(ids, sizes, strict=True)):
        path = f"dimension.{dimension_id}"
        raw = document["dimension"].get(dimension_id)
        category = raw.get("category") if isinstance(raw, dict) else None
        if not isinstance(category, dict):
            problems.add(f"{path}.category", ErrorCode.REQUIRED, f"Ulottuvuuden {dimension_id} luokat puuttuvat.")
            continue
        codes = _category_codes(category, f"{path}.category", problems)
        if codes is None:
            continue
        if len(codes) != size:
            problems.add(f"{path}.category.index", ErrorCode.INVALID,
                         f"Luokkia on {len(codes)}, mutta size[{position}] on {size}.")
        labels = category.get("label")
        labels = {k: v for k, v in labels.items() if isinstance(v, str)} if isinstance(labels, dict) else {}
        label = raw.get("label") if isinstance(raw, dict) else None
        dimensions.append(Dimension(dimension_id, label if isinstance(label, str) else dimension_id, codes, labels))
    problems.raise_if_any()
    return tuple(dimensions)


def _category_codes(category: dict[str, Any], path: str, problems: Problems) -> tuple[str, ...] | None:
    """Codes in index order. ``index`` is a list of codes or ``{code: position}``; a lone category may omit it."""
    index = category.get("index")
    labels = category.get("label")
    if index is None and isinstance(labels, dict) and len(labels) == 1:
        index = list(labels)
    if isinstance(index, dict) and sorted(p for p in index.values() if _is_int(p)) == list(range(len(index))):
        return tuple(sorted(index, key=index.__getitem__))
    if isinstance(index, list) and all(isinstance(code, str) for code in index) and len(set(index)) == len(index):
        return tuple(index)
    if index is None:
        problems.add(f"{path}.index", ErrorCode.REQUIRED, "Luokkien järjestys (index) puuttuu.")
    else:
        problems.add(f"{path}.index", ErrorCode.INVALID, "Luokat (index) ovat luettelo erillisiä tunnuksia tai objekti "
                     "{tunnus: järjestysnumero}, numerot 0:sta alkaen kukin kerran.")
    return None


def _values(raw: Any, total: int, problems: Problems) -> tuple[Decimal | None, ...]:
    """A dense list of ``total`` values, or a sparse ``{"position": value}`` object (absent positions missing)."""
    if isinstance(raw, list):
        if len(raw) != total:
            problems.add("value", ErrorCode.INVALID,
                         f"Arvoja on {len(raw)}, mutta ulottuvuuksien koot antavat {total} solua.")
            return ()
        return tuple(_number(v, f"value[{i}]", problems) for i, v in enumerate(raw))
    if isinstance(raw, dict):
        values: list[Decimal | None] = [None] * total
        for key, v in raw.items():
            position = _position(key, total, "value", problems)
            if position is not None:
                values[position] = _number(v, f"value.{key}", problems)
        return tuple(values)
    problems.add("value", ErrorCode.REQUIRED, "Arvot (value) puuttuvat.")
    return ()


def _statuses(raw: Any, total: int, problems: Problems) -> dict[int, str]:
    """``status`` is one symbol for every value, a list by position, or ``{"position": symbol}``."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        return dict.fromkeys(range(total), raw)
    if isinstance(raw, list) and len(raw) == total and all(s is None or isinstance(s, str) for s in raw):
        return {i: s for i, s in enumerate(raw) if s is not None}
    if isinstance(raw, dict):
        statuses = {}
        for key, symbol in raw.items():
            position = _position(key, total, "status", problems)
            if position is not None and isinstance(symbol, str):
                statuses[position] = symbol
            elif position is not None:
                problems.add(f"status.{key}", ErrorCode.INVALID, "Tilamerkki on merkkijono, esim. \".\".")
        return statuses
    problems.add("status", ErrorCode.INVALID, f"Tilamerkit ovat merkkijono, {total} merkin luettelo tai objekti.")
    return {}


def _position(key: str, total: int, path: str, problems: Problems) -> int | None:
    if key.isdigit() and int(key) < total:
        return int(key)
    problems.add(f"{path}.{key}", ErrorCode.INVALID, f"Sijainti {key!r} ei ole välillä 0…{total - 1}.")
    return None


def _number(value: Any, path: str, problems: Problems) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal) or _is_int(value):
        return Decimal(value)
    problems.add(path, ErrorCode.INVALID, f"{value!r} ei ole luku eikä null.")
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _notes(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    return tuple(n for n in raw if isinstance(n, str)) if isinstance(raw, list) else ()


def _roles(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        return {}
    return {role: tuple(i for i in ids if isinstance(i, str)) for role, ids in raw.items() if isinstance(ids, list)}
