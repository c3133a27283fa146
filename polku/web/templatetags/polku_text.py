"""``{{ rule.source|reader_source }}``: a source citation without developer notes (see ``polku.web.sources``);
``{{ rule.note|reader_note }}``: a note without them nor the sentences on how to configure it."""

from django import template

from polku.core.citations import reader_note as strip_note
from polku.web.sources import reader_source as strip

register = template.Library()


@register.filter
def reader_source(text: object) -> str:
    return strip(text)


@register.filter
def reader_note(text: object) -> str:
    return strip_note(text)
