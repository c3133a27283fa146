"""Loads the reference files shipped in ``data/`` into the database, idempotently.

Called from a data migration (so a migrated database always has reference data) and by
``polku load_reference`` after a file is edited: rows are upserted by their code.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _bool(value: str) -> bool:
    return value.strip().lower() == "true"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@transaction.atomic
def load_reference_data(apps: Any = None) -> dict[str, int]:
    """Upsert all reference data; ``apps`` is the migration registry when run from a migration."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    municipality = apps.get_model("reference", "Municipality")
    area_model = apps.get_model("reference", "EmploymentArea")
    membership = apps.get_model("reference", "EmploymentAreaMembership")
    status = apps.get_model("reference", "LabourMarketStatus")
    service = apps.get_model("reference", "ServiceType")

    for row in _rows("municipalities.csv"):
        municipality.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fi": row["name_fi"],
                "name_sv": row["name_sv"],
                "name_en": row["name_fi"],
                "region": row["region"],
                "valid_from": _date(row["valid_from"]),
                "valid_to": _date(row["valid_to"]),
            },
        )
    catalogues: tuple[tuple[Any, str, dict[str, Callable[[str], Any]]], ...] = (
        (status, "labour_market_statuses.csv", {"requires_service_type": _bool}),
        (service, "service_types.csv", {"counts_in_activation": _bool, "employment_promoting": _bool,
                                        "typical_min_months": int, "typical_max_months": int}),
    )
    # Which statuses count as unemployed is the status vocabulary's (read by every engine through polku.derived).
    vocabulary = json.loads((DATA_DIR / "status_vocabulary.json").read_text(encoding="utf-8"))
    unemployed = set(vocabulary["classes"]["unemployed"]["statuses"])
    for model, filename, converters in catalogues:
        for row in _rows(filename):
            code = row.pop("code")
            defaults = {key: converters.get(key, str)(value) for key, value in row.items()}
            if model is status:
                defaults["counts_as_unemployed"] = code in unemployed
            model.objects.update_or_create(code=code, defaults=defaults)
    areas = json.loads((DATA_DIR / "employment_areas.json").read_text(encoding="utf-8"))
    for entry in areas:
        area, _ = area_model.objects.update_or_create(
            code=entry["code"],
            defaults={
                "name_fi": entry["name_fi"],
                "name_sv": entry["name_sv"],
                "name_en": entry["name_en"],
                "valid_from": _date(entry["valid_from"]),
                "valid_to": _date(entry["valid_to"]),
                "source": entry["source"],
            },
        )
        for code in entry["municipalities"]:
            membership.objects.update_or_create(
                area=area,
                municipality_id=code,
                valid_from=_date(entry["valid_from"]),
                defaults={"valid_to": _date(entry["valid_to"])},
            )
    return {
        "municipalities": municipality.objects.count(),
        "employment_areas": area_model.objects.count(),
        "statuses": status.objects.count(),
        "service_types": service.objects.count(),
    }
