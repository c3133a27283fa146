"""The record of processing activities (GDPR art. 30), generated from the data model: every model with a person
foreign key (and the access log, which keeps the person's id without a key), its fields by their plain names, and
from ``data/processing_purposes.json`` its purposes, legal bases, data subjects and recipients; retention comes from
the retention schedule. A model missing from the purposes file is listed as such, never left out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polku.access.models import AccessLog
from polku.core.languages import text_in
from polku.privacy import labels
from polku.privacy.registry import person_models
from polku.privacy.schedule import Kind, load_schedule

PURPOSES_FILE = Path(__file__).resolve().parent / "data" / "processing_purposes.json"


def _text(texts: dict[str, str]) -> str:
    return text_in(texts)


@dataclass(frozen=True)
class Purpose:
    key: str
    purpose: str
    legal_basis: str
    recipients: str


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    fields: list[tuple[str, str]]  # (field name, plain label)
    purposes: list[Purpose]
    subjects: list[str]
    retention: list[Kind]
    described: bool  # False: the model is not in the purposes file (the page says so)


@dataclass(frozen=True)
class Record:
    controller: str
    entries: list[Entry]

    def as_json(self) -> dict[str, Any]:
        return {"controller": self.controller, "activities": [{
            "model": e.key, "title": e.title, "fields": [{"name": n, "label": label} for n, label in e.fields],
            "purposes": [{"key": p.key, "purpose": p.purpose, "legal_basis": p.legal_basis, "recipients": p.recipients}
                         for p in e.purposes],
            "data_subjects": e.subjects,
            "retention": [{"kind": k.key, "years": k.years, "action": k.action, "verified": k.verified,
                           "label": k.label, "legal_basis": k.legal_basis} for k in e.retention],
            "described": e.described,
        } for e in self.entries]}


def load_purposes() -> dict[str, Any]:
    return json.loads(PURPOSES_FILE.read_text(encoding="utf-8"))


def build() -> Record:
    data = load_purposes()
    schedule = load_schedule()
    models = [entry.model for entry in person_models()] + [AccessLog]
    entries = []
    for model in models:
        key = model._meta.label_lower
        about = data["models"].get(key)
        fields = [(f.name, labels.field_label(key, f.name) or f.name) for f in model._meta.concrete_fields]
        purposes = [Purpose(key=p, purpose=_text(data["purposes"][p]["purpose"]),
                            legal_basis=_text(data["purposes"][p]["legal_basis"]),
                            recipients=_text(data["purposes"][p]["recipients"]))
                    for p in (about or {}).get("purposes", [])]
        entries.append(Entry(
            key=key, title=labels.model_label(key), fields=fields, purposes=purposes,
            subjects=[_text(data["subjects"][s]) for s in (about or {}).get("subjects", [])],
            retention=[k for k in (schedule.kind(r) for r in (about or {}).get("retention", [])) if k is not None],
            described=about is not None,
        ))
    return Record(controller=_text(data["controller"]), entries=entries)
