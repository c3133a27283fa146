"""Writes of official statistics: a whole PxWeb file or nothing.

The file is parsed and checked completely (``jsonstat``, then ``tables``) before the database is touched, so a
refused file leaves the earlier figures as they were. A JSON-stat dataset is a full grid, so the cells it replaces
are exactly those whose area, month, variable and breakdown are each among the file's: one DELETE with four
``IN`` lists and a bulk INSERT, fast enough for a whole-country download of tens of thousands of cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from polku.core.errors import ErrorCode, FieldError
from polku.public_statistics import jsonstat, tables
from polku.public_statistics.models import PublicStatistic, PublicStatisticImport
from polku.reference.models import Municipality

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote. ``warnings`` name figures kept without a municipality (``KU`` codes Polku lacks)."""

    import_id: int
    table: str
    cells: int
    created: int
    replaced: int
    missing_values: int
    regions: tuple[str, ...]
    first_month: date
    last_month: date
    source: str
    warnings: tuple[FieldError, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id, "table": self.table, "cells": self.cells, "created": self.created,
            "replaced": self.replaced, "missing_values": self.missing_values, "regions": list(self.regions),
            "first_month": tables.month_code(self.first_month), "last_month": tables.month_code(self.last_month),
            "source": self.source, "warnings": [w.as_dict() for w in self.warnings],
        }


def pxweb_import(data: bytes, *, table: str | None = None, file_name: str = "", user: Any = None) -> ImportResult:
    """Store every cell of a PxWeb JSON-stat2 file, replacing earlier figures with the same key.

    ``table`` (``12r5``, ``12u4``) is needed only when the file does not tell; a file from another table is
    refused. Raises ``ValidationFailed`` with every problem named by its JSON path; then nothing is written.
    """
    dataset = jsonstat.parse(data)
    spec = tables.identify(dataset, table)
    rows = tables.rows(dataset, spec)
    regions = tuple(dict.fromkeys(row.region_code for row in rows))
    municipalities, warnings = _municipalities(dataset, regions)
    source = describe_source(dataset)
    px = dataset.extension.get("px")
    official = not (isinstance(px, dict) and px.get("official-statistics") is False)
    now = timezone.now()
    with transaction.atomic():
        replaced, _ = PublicStatistic.objects.filter(
            table=spec.code, region_code__in=regions, month__in={r.month for r in rows},
            variable__in={r.variable for r in rows}, breakdown__in={r.breakdown for r in rows},
        ).delete()
        PublicStatistic.objects.bulk_create(
            (PublicStatistic(table=spec.code, region_code=row.region_code, municipality_id=municipalities.get(row.region_code),
                             month=row.month, variable=row.variable, breakdown=row.breakdown, value=row.value,
                             status=row.status, imported_at=now, source=source, official=official) for row in rows),
            batch_size=BATCH_SIZE,
        )
        record = PublicStatisticImport.objects.create(
            table=spec.code, file_name=file_name[:255], source=source, cells=len(rows), imported_at=now,
            imported_by=user if user is not None and user.is_authenticated else None,
        )
    months = [row.month for row in rows]
    return ImportResult(
        import_id=record.pk, table=spec.code, cells=len(rows), created=len(rows) - replaced, replaced=replaced,
        missing_values=sum(row.value is None for row in rows), regions=regions, first_month=min(months),
        last_month=max(months), source=source, warnings=tuple(warnings),
    )


def describe_source(dataset: jsonstat.Dataset) -> str:
    """The dataset's own account of itself: title, publisher and update time (``label — source, päivitetty …``)."""
    parts = [p for p in (dataset.label, dataset.source) if p]
    text = " — ".join(parts)
    return f"{text}, päivitetty {dataset.updated}" if dataset.updated else text


def _municipalities(dataset: jsonstat.Dataset, regions: tuple[str, ...]) -> tuple[dict[str, str], list[FieldError]]:
    """``{region code: municipality code}`` for known ``KU`` codes, and a warning for each unknown one."""
    wanted = {region: code for region in regions if (code := tables.municipality_of(region))}
    known = set(Municipality.objects.filter(code__in=wanted.values()).values_list("code", flat=True))
    areas = dataset.dimension(tables.AREA)
    warnings = [
        FieldError(f"dimension.{tables.AREA}.category.index", ErrorCode.UNKNOWN,
                   f"Kuntanumeroa {code} ({areas.category_label(region) if areas else region}) ei ole Polun "
                   "kuntaluettelossa; luvut tallennettiin ilman kuntaa.")
        for region, code in wanted.items() if code not in known
    ]
    return {region: code for region, code in wanted.items() if code in known}, warnings
