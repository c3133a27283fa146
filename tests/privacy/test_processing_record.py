"""The record of processing activities is generated from the data model: every model with a person foreign key is in
it, with every field by its plain name, its purposes and its retention; it cannot drift from the model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from polku.access.models import Role
from polku.people.models import Person
from polku.privacy import labels, ropa
from polku.privacy.registry import person_models

pytestmark = pytest.mark.django_db


def models_with_a_person_key() -> set[str]:
    return {m._meta.label_lower for m in apps.get_models()
            if any(f.is_relation and f.related_model is Person for f in m._meta.concrete_fields)}


def test_every_model_with_a_person_key_is_in_the_record() -> None:
    record = ropa.build()
    keys = {e.key for e in record.entries}
    assert models_with_a_person_key() | {"people.person", "access.accesslog"} <= keys
    assert {m.key for m in person_models()} >= models_with_a_person_key()
    undescribed = [e.key for e in record.entries if not e.described or not e.purposes or not e.retention]
    assert undescribed == [], "describe these in polku/privacy/data/processing_purposes.json"


def test_every_field_of_a_person_model_has_a_plain_name() -> None:
    unnamed = [f"{e.key}.{name}" for e in ropa.build().entries for name, _label in e.fields
               if labels.field_label(e.key, name) is None]
    assert unnamed == [], "name these in polku/privacy/labels.py"
    assert all(e.key in labels.MODELS for e in ropa.build().entries)


def test_the_purposes_file_names_only_known_purposes_and_kinds() -> None:
    data = ropa.load_purposes()
    for key, about in data["models"].items():
        assert set(about["purposes"]) <= set(data["purposes"]), key
        assert set(about["subjects"]) <= set(data["subjects"]), key
        assert set(about["retention"]) <= {"case_texts", "identifiers", "facts", "access_log"}, key


def test_the_page_and_json_for_the_data_protection_officer(make_staff: Any) -> None:
    client = Client()
    client.force_login(make_staff(Role.DPO, area=None).user)
    page = client.get("/tietosuoja/seloste/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Työnhakujaksot" in html
    assert "vahvistamaton" in html
    assert "first_names" not in html  # plain names, not field names
    data = json.loads(client.get("/tietosuoja/seloste/seloste.json").content)
    assert {a["model"] for a in data["activities"]} >= models_with_a_person_key()
