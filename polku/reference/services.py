"""Writes of reference input series (all or nothing, every bad line named)."""

from __future__ import annotations

import csv
import io

from django.db import transaction

from polku.core.errors import ErrorCode, FieldError, ValidationFailed
from polku.reference.models import Municipality, ResidentPopulation

POPULATION_COLUMNS = ("municipality", "year", "residents", "source")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, as Finnish offices' files come."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


@transaction.atomic
def population_import(data: bytes) -> int:
    """Upsert residents per municipality and year from a CSV (``;`` or ``,``); returns rows written."""
    text = _decode(data)
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in POPULATION_COLUMNS if c not in header]
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
            year, residents = int(row["year"]), int(row["residents"].replace(" ", ""))
        except ValueError:
            errors.append(FieldError(f"rivi {line}: year/residents", ErrorCode.INVALID,
                                     "Vuosi ja asukasluku ovat kokonaislukuja."))
            continue
        if not 1900 <= year <= 2100 or residents <= 0:
            errors.append(FieldError(f"rivi {line}: year/residents", ErrorCode.INVALID, "Vuosi tai asukasluku on mahdoton."))
        if not row["source"]:
            errors.append(FieldError(f"rivi {line}: source", ErrorCode.REQUIRED, "Anna lähde."))
        rows.append((code, year, residents, row["source"]))
    if errors:
        raise ValidationFailed(errors)
    for code, year, residents, source in rows:
        ResidentPopulation.objects.update_or_create(municipality_id=code, year=year,
                                                    defaults={"residents": residents, "source": source})
    return len(rows)
