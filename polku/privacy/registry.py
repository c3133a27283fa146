"""Which models hold a person's data: found from the data model itself (every model with a foreign key to a person),
so the subject-access export and the record of processing cannot drift from it."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from polku.people.models import Person


@dataclass(frozen=True)
class PersonModel:
    model: type[models.Model]
    person_field: str | None  # None for the person table itself

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


def person_models() -> list[PersonModel]:
    """The person table first, then every model with a foreign key to it, in app order."""
    found = [PersonModel(Person, None)]
    for model in apps.get_models():
        if model is Person:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Person:
                found.append(PersonModel(model, field.name))
                break
    return found


def fields_of(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)
