"""A model field's choice labels, looked up in a table made once per field instead of once per row.

Django's ``get_<field>_display()`` makes a dictionary of the field's choices (made hashable) on every call: on a
client record with twenty benefit months that is most of the time the timeline's rows cost. The choices are fixed
in the code, so the table is made once; the labels stay lazy, translated when each row is shown.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(model: type[Model], field_name: str) -> dict[Any, Any]:
    return dict(make_hashable(model._meta.get_field(field_name).flatchoices))  # type: ignore[union-attr]


def choice_label(instance: Model, field_name: str) -> Any:
    """What ``instance.get_<field_name>_display()`` gives: the value's label in the active language, or the value."""
    value = getattr(instance, instance._meta.get_field(field_name).attname)  # type: ignore[union-attr]
    return force_str(_labels(type(instance), field_name).get(make_hashable(value), value), strings_only=True)
