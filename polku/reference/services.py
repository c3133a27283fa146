"""Writes of reference input series (all or nothing, every bad line named)."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.db.models import Model

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.reference.models import LabourForce, Municipality, ResidentPopulation


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, as Finnish offices' files come."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def population_import(data: bytes) -> int:
    """Upsert residents per municipality and year from a CSV (``;`` or ``,``); returns rows written."""
    return _yearly_series_import(data, ResidentPopulation, "residents")


def labour_force_import(data: bytes) -> int:
    """Upsert the labour force per municipality and year from a CSV (columns municipality;year;persons;source)."""
    return _yearly_series_import(data, LabourForce, "persons")


@transaction.atomic
def _yearly_series_import(data: bytes, model: type[Model], value_column: str) -> int:
    """One series by municipality and year: all rows or none, every bad line named."""
    columns = ("municipality", "year", value_column, "source")
    text = _decode(data)
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationFailed.single("rivi 1", ErrorCode.REQUIRED, f"Sarakkeet puuttuvat: {', '.join(missing)}.")
    known = set(Municipality.objects.values_list("code", flat=True))
    errors: list[FieldError] = []
    rows: list[tuple[str, int, int, str]] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        code = row["municipality"].zfill(3)
        if code not in known:
            errors.append(FieldError(f"rivi {line}: municipality", ErrorCode.UNKNOWN, f"Tuntematon kuntanumero: {code}."))
        try:
            year, value = int(row["year"]), int(row[value_column].replace(" ", "").replace("\xa0", ""))
        except ValueError:
            errors.append(FieldError(f"rivi {line}: year/{value_column}", ErrorCode.INVALID,
                                     "Vuosi ja lukumäärä ovat kokonaislukuja."))
            continue
        if not 1900 <= year <= 2100 or value <= 0:
            errors.append(FieldError(f"rivi {line}: year/{value_column}", ErrorCode.INVALID,
                                     "Vuosi tai lukumäärä on mahdoton."))
        if not row["source"]:
            errors.append(FieldError(f"rivi {line}: source", ErrorCode.REQUIRED, "Anna lähde."))
        rows.append((code, year, value, row["source"]))
    if errors:
        raise ValidationFailed(errors)
    for code, year, value, source in rows:
        model._default_manager.update_or_create(municipality_id=code, year=year,
                                                defaults={value_column: value, "source": source})
    return len(rows)
