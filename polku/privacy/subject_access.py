"""The data subject's right of access (GDPR art. 15): everything Polku holds about one person, and who has viewed or
changed it (the access log), as a readable page and a machine-readable file.

Every model with a foreign key to the person is read (``registry.person_models``), every version of every fact (the
history of corrections included). Only the data protection officer and administrators may produce it (the access
policy decides), and producing it is itself a logged read of the person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from polku.access import policy
from polku.access.models import AccessAction, AccessLog
from polku.access.services import log_person_reads, log_refused
from polku.core.errors import AccessDenied
from polku.people.models import Person
from polku.privacy import labels
from polku.privacy.registry import person_models

FORMAT = "polku-subject-access"
FORMAT_VERSION = 1
PURPOSE = gettext_noop("rekisteröidyn tarkastusoikeus (EU:n tietosuoja-asetus, 15 artikla)")


@dataclass
class Section:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (field name, plain label)
    records: list[dict[str, Any]] = field(default_factory=list)  # machine-readable values
    rows: list[list[str]] = field(default_factory=list)  # the same, as text for the reader's locale


@dataclass
class SubjectAccessExport:
    person_id: uuid.UUID
    produced_at: dt.datetime
    produced_by: str
    masked_personal_id: str
    pseudonymised: bool
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": FORMAT_VERSION, "person_id": str(self.person_id),
            "produced_at": self.produced_at.isoformat(), "produced_by": self.produced_by,
            "masked_personal_id": self.masked_personal_id, "pseudonymised": self.pseudonymised,
            "sections": [{"key": s.key, "title": s.title, "fields": dict(s.columns), "rows": s.records}
                         for s in self.sections],
        }


def produce(*, user: Any, person: Person, action: AccessAction, channel: str, actor: str | None = None
            ) -> SubjectAccessExport:
    """Check the capability, log the read (or the refused attempt), and collect the person's data."""
    try:
        policy.require_subject_rights(user)
    except AccessDenied:
        log_refused(user=user, person_ids=[person.pk], action=action, purpose=PURPOSE, channel=channel, actor=actor)
        raise
    log_person_reads(user=user, person_ids=[person.pk], action=action, purpose=PURPOSE, channel=channel, actor=actor)
    return collect(person, produced_by=actor or user.get_username())


def collect(person: Person, *, produced_by: str) -> SubjectAccessExport:
    """The person's data from every person model, then the access log about them (the log read last, so it
    includes the row of this very export)."""
    sections = []
    for entry in person_models():
        manager = entry.model._default_manager
        rows = (manager.filter(pk=person.pk) if entry.person_field is None
                else manager.filter(**{entry.person_field: person}))
        sections.append(_section(entry.key, entry.model, rows.order_by("pk"), skip={entry.person_field or ""}))
    log_rows = AccessLog.objects.filter(person_id=person.pk).select_related(None).order_by("at", "id")
    sections.append(_section("access.accesslog", AccessLog, log_rows, skip={"person_id", "user", "id"}))
    return SubjectAccessExport(
        person_id=person.pk, produced_at=timezone.now(), produced_by=produced_by,
        masked_personal_id=_masked(person), pseudonymised=hasattr(person, "pseudonymisation"),
        sections=sections,
    )


def _masked(person: Person) -> str:
    if hasattr(person, "pseudonymisation"):
        return _("poistettu")
    return person.masked_personal_id


def _section(key: str, model: type[models.Model], rows: Any, *, skip: set[str]) -> Section:
    hidden = labels.NOT_EXPORTED.get(key, frozenset()) | skip
    fields = [f for f in model._meta.concrete_fields if f.name not in hidden]
    section = Section(key=key, title=labels.model_label(key),
                      columns=[(f.name, labels.field_label(key, f.name) or f.name) for f in fields])
    related = [f.name for f in fields if f.is_relation]
    for row in rows.select_related(*related) if related else rows:
        section.records.append({f.name: _raw(row, f) for f in fields})
        section.rows.append([_text(row, f) for f in fields])
    return section


def _related_text(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, get_user_model()):
        return str(obj.get_username())
    if hasattr(obj, "invoice_month"):  # a Kela invoice
        return f"{obj.municipality_id} {date_format(obj.invoice_month, 'YEAR_MONTH_FORMAT')}"
    if hasattr(obj, "name"):
        return str(obj.name)
    if hasattr(obj, "created_at"):  # an import run
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")
    return str(obj.pk)


def _raw(row: Any, f: models.Field) -> Any:
    if f.is_relation:
        obj = getattr(row, f.name)
        return None if obj is None else {"id": str(obj.pk), "name": _related_text(obj)}
    value = getattr(row, f.attname)
    decoded = labels.RAW_VALUES.get(f"{row._meta.label_lower}.{f.name}")
    if decoded is not None:
        return decoded(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _text(row: Any, f: models.Field) -> str:
    if f.is_relation:
        text = _related_text(getattr(row, f.name))
    else:
        value = getattr(row, f.attname)
        if value is None or value == "":
            text = ""
        elif f.choices:
            text = str(getattr(row, f"get_{f.name}_display")())
        else:
            coded = labels.VALUE_LABELS.get(f"{row._meta.label_lower}.{f.name}")
            text = coded(value) if callable(coded) else _plain(value, coded)
    return text or "–"


def _plain(value: Any, coded: dict[str, Any] | None) -> str:
    if coded is not None:
        return str(coded.get(value, value))
    if isinstance(value, bool):
        return _("kyllä") if value else _("ei")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2)
    return str(value)
