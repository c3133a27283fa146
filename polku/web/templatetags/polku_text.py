"""``{{ rule.source|reader_source }}``: a source citation without developer notes (see ``polku.web.sources``);
``{{ rule.note|reader_note }}``: a note without them nor the sentences on how to configure it;
``{{ row.persons|grouped }}``: a count in the reader's format, or a text (a hidden small cell) as it is."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from polku.core.citations import reader_note as strip_note
from polku.web.sources import reader_source as strip

register = template.Library()


@register.filter
def reader_source(text: object) -> str:
    return strip(text)


@register.filter
def reader_note(text: object) -> str:
    return strip_note(text)


@register.filter
def grouped(value: object) -> object:
    """A whole number with the reader's thousands separator (``floatformat:"0g"`` would turn a text such as "< 5",
    a hidden small cell, into nothing); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return value
    return number_format(value, 0 if isinstance(value, int) or value == value.to_integral_value() else None,
                         force_grouping=True)
