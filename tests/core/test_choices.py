"""``core.choices.choice_label`` gives what Django's ``get_<field>_display()`` gives, for every field with choices of
every model of the product, every choice and a value outside them, in each language."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Field
from django.utils import translation

from polku.core.choices import choice_label


def _fields_with_choices() -> list[tuple[type, Field]]:
    return [(model, field) for model in apps.get_models() if model.__module__.startswith("polku.")
            for field in model._meta.concrete_fields if field.choices]


def test_the_product_has_fields_with_choices() -> None:
    assert len(_fields_with_choices()) > 20


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_choice_label_as_djangos(language: str) -> None:
    compared = 0
    with translation.override(language):
        for model, field in _fields_with_choices():
            for value in [*(value for value, _label in field.flatchoices), "ei-mikään-näistä"]:
                instance = model()
                setattr(instance, field.attname, value)
                expected = getattr(instance, f"get_{field.name}_display")()
                got = choice_label(instance, field.attname)
                assert (type(got), got) == (type(expected), expected), (model.__name__, field.name, value)
                compared += 1
    assert compared > 100
