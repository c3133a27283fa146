"""Django's ``i18n`` tag library, with each constant ``{% translate "…" %}`` rendered once per catalogue.

The settings register this module under the name ``i18n`` (``TEMPLATES`` ``libraries``), so ``{% load i18n %}`` in
every template — ours, Django's admin's, any library's — loads it; every tag and filter but ``translate`` (and its old
name ``trans``) is Django's own.

Why: a page of ours renders a hundred or more fixed labels, and Django's tag makes each one anew on every render: a
lazy string, a look-up of the active language in a context-local, the catalogue's ``gettext``, localisation and
escaping — about a sixth of a client record's processor time. The text of a constant label depends only on the active
catalogue (a language's, which Django loads once and keeps), so it is kept on the node per catalogue — and per
escaping, which cannot change a constant (it is safe text) but costs nothing to keep apart. A label with a variable,
a filter or a message context from a variable is rendered by Django's node as before. Nothing is kept where
translation is off (``USE_I18N = False``) or no language's catalogue is active (``translation.override(None)`` makes
a new empty one each time, which would be kept for ever).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template.base import FilterExpression, Parser, Token
from django.templatetags import i18n as django_i18n
from django.utils.translation import trans_real

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class KeptTranslateNode(django_i18n.TranslateNode):
    """Django's ``TranslateNode`` whose text, when it is a constant, is kept per (catalogue, escaping)."""

    def __init__(self, node: django_i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.constant = _constant(self.filter_expression) and (
            self.message_context is None or _constant(self.message_context))
        self.kept: dict[tuple[Any, bool], str] = {}

    def render(self, context: template.Context) -> str:
        if not self.constant or not settings.USE_I18N:
            return super().render(context)
        catalogue = trans_real.catalog()
        if not isinstance(catalogue, trans_real.DjangoTranslation):
            return super().render(context)
        key = (catalogue, context.autoescape)
        try:
            value = self.kept[key]
        except KeyError:
            value = self.kept[key] = self._text(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def _text(self, context: template.Context) -> str:
        """The text as Django's node renders it (into a scratch context when it is kept under a name)."""
        if not self.asvar:
            return super().render(context)
        scratch = context.new()
        super().render(scratch)
        return scratch[self.asvar]


def _constant(expression: FilterExpression) -> bool:
    """A literal without filters (the parser leaves a constant as its text or as a literal ``Variable``)."""
    return not expression.filters and (
        isinstance(expression.var, str) or getattr(expression.var, "literal", None) is not None)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> template.Node:
    """``{% translate %}`` as Django parses it (its errors included), then kept where its text is a constant."""
    return KeptTranslateNode(django_i18n.do_translate(parser, token))
