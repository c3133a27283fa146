"""``{% translate %}`` kept per catalogue (``polku.web.templatetags.kept_i18n``) gives what Django's tag gives.

Every ``{% translate %}`` of the product's templates is rendered by the kept node (twice: once to keep it, once from
what was kept) and by Django's own node, in each language, escaping on and off; and the tag's forms one by one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine, engines
from django.templatetags import i18n as django_i18n
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import SafeString

from polku.web.templatetags.kept_i18n import KeptTranslateNode

ROOT = Path(__file__).resolve().parents[2] / "polku"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _product_templates() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/templates/**/*.html"))


def _kept_nodes() -> list[tuple[str, KeptTranslateNode]]:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    found = []
    for path in _product_templates():
        compiled = engine.from_string(path.read_text(encoding="utf-8"))
        found += [(path.name, node) for node in compiled.nodelist.get_nodes_by_type(django_i18n.TranslateNode)]
    return found


def test_load_i18n_gives_the_kept_tag_and_every_tag_of_djangos() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Tallenna" %}')
    nodes = template.template.nodelist.get_nodes_by_type(django_i18n.TranslateNode)  # type: ignore[attr-defined]
    assert [type(node) for node in nodes] == [KeptTranslateNode]
    library = engines["django"].engine.template_libraries["i18n"]  # type: ignore[attr-defined]
    assert set(library.tags) == set(django_i18n.register.tags)
    assert set(library.filters) == set(django_i18n.register.filters)


def test_every_translate_of_the_product_renders_as_djangos() -> None:
    nodes = _kept_nodes()
    constant = [node for _name, node in nodes if node.constant]
    assert len(constant) > 1000, "the product's labels were not found"
    differing = []
    for language in LANGUAGES:
        with translation.override(language):
            for autoescape in (True, False):
                for name, node in nodes:
                    expected = django_i18n.TranslateNode.render(node, Context({}, autoescape=autoescape))
                    for _time in range(2):
                        got = node.render(Context({}, autoescape=autoescape))
                        if got != expected or type(got) is not type(expected):
                            differing.append((language, autoescape, name, expected, got))
    assert differing == []


def _render(text: str, context: dict[str, object] | None = None, *, autoescape: bool = True) -> str:
    return engines["django"].from_string("{% load i18n %}" + text).render(context or {}) if autoescape else \
        engines["django"].engine.from_string("{% load i18n %}{% autoescape off %}" + text  # type: ignore[attr-defined]
                                             + "{% endautoescape %}").render(Context(context or {}))


def _djangos(text: str, context: dict[str, object] | None = None) -> str:
    """The same template through an engine that loads Django's own i18n library."""
    return Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(
        "{% load i18n %}" + text).render(Context(context or {}))


@pytest.mark.parametrize("text", [
    '{% translate "Tallenna" %}',
    '{% trans "Tallenna" %}',
    '{% translate "Tallenna" as label %}[{{ label }}]',
    '{% translate "Tallenna" noop %}',
    '{% translate "hylätty" context "tuonti" %}',
    '{% translate "100 %% valmis" %}',
    '{% translate "<b>Tallenna</b>" %}',
    '{% translate word %}',
    '{% translate "Tallenna"|upper %}',
    '{% translate "hylätty" context which %}',
])
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_form_of_the_tag_as_djangos(text: str, language: str) -> None:
    context: dict[str, object] = {"word": "Tallenna", "which": "tuonti"}
    with translation.override(language):
        first, again = _render(text, context), _render(text, context)
        assert first == again == _djangos(text, context)


def test_a_label_follows_the_language_of_each_render() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Tallenna" %}')
    rendered: dict[str, set[str]] = {}
    for language in ["fi", "sv", "en", "fi"]:
        with translation.override(language):
            rendered.setdefault(language, set()).add(template.render({}))
    assert rendered == {"fi": {"Tallenna"}, "sv": {"Spara"}, "en": {"Save"}}


def test_a_named_label_is_set_in_the_context_each_time() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Tallenna" as label %}{{ label }}/{{ label }}')
    with translation.override("sv"):
        assert template.render({}) == template.render({}) == "Spara/Spara"


def test_escaping_on_and_off_as_djangos() -> None:
    text = '{% translate "<b>Tallenna</b>" %}'
    expected = _djangos(text)
    assert _render(text) == _render(text, autoescape=False) == _render(text) == expected == "<b>Tallenna</b>"


@override_settings(USE_I18N=False)
def test_with_translation_off_nothing_is_kept() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Tallenna" %}')
    with translation.override("sv"):
        assert template.render({}) == _djangos('{% translate "Tallenna" %}')
    node = template.template.nodelist.get_nodes_by_type(KeptTranslateNode)[0]  # type: ignore[attr-defined]
    assert node.kept == {}


def test_no_other_tag_library_name_is_taken_twice() -> None:
    """The settings silence Django's warning of a library name used twice, for ``i18n``'s sake only."""
    warnings = [w for w in engines["django"].check() if w.id == "templates.W003"]
    assert [w.msg for w in warnings] == ["'i18n' is used for multiple template tag modules: "
                                         "'django.templatetags.i18n', 'polku.web.templatetags.kept_i18n'"]


def test_the_kept_texts_are_safe_as_djangos_are() -> None:
    nodes = [node for _name, node in _kept_nodes() if node.constant and not node.asvar]
    with translation.override("sv"):
        for node in nodes:
            expected = django_i18n.TranslateNode.render(node, Context({}))
            node.render(Context({}))
            assert all(isinstance(value, SafeString) is isinstance(expected, SafeString) for value in node.kept.values())


def test_nothing_is_kept_without_a_language() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Tallenna" %}')
    node = template.template.nodelist.get_nodes_by_type(KeptTranslateNode)[0]  # type: ignore[attr-defined]
    for _time in range(3):
        with translation.override(None):
            assert template.render({}) == _djangos('{% translate "Tallenna" %}') == "Tallenna"
    assert node.kept == {}
