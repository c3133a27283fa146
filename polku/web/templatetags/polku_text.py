"""``{{ rule.source|reader_source }}``: a source citation without developer notes (see ``polku.web.sources``)."""

from django import template

from polku.web.sources import reader_source as strip

register = template.Library()


@register.filter
def reader_source(text: object) -> str:
    return strip(text)
