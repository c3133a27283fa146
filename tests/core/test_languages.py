"""The reader's language and a text in it (:mod:`polku.core.languages`): the active translation's language, Finnish
where none is active; a text kept in the three languages, in Finnish where it has none in the reader's."""

from __future__ import annotations

from django.utils import translation

from polku.core.languages import reader_language, text_in

TEXTS = {"fi": "Työnhakija", "sv": "Arbetssökande", "en": "Jobseeker"}


def test_the_active_language_is_the_readers() -> None:
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            assert reader_language() == language
            assert text_in(TEXTS) == TEXTS[language]


def test_a_regional_variant_reads_as_its_language() -> None:
    with translation.override("en-gb"):
        assert reader_language() == "en"


def test_without_an_active_language_the_reader_reads_finnish() -> None:
    with translation.override(None):
        assert translation.get_language() is None
        assert reader_language() == "fi"
        assert text_in(TEXTS) == "Työnhakija"


def test_a_text_missing_or_empty_in_a_language_is_given_in_finnish() -> None:
    with translation.override("sv"):
        assert text_in({"fi": "Vain suomeksi"}) == "Vain suomeksi"
        assert text_in({"fi": "Vain suomeksi", "sv": ""}) == "Vain suomeksi"
        assert text_in({}) == ""


def test_a_language_given_goes_before_the_readers() -> None:
    with translation.override("sv"):
        assert text_in(TEXTS, "en") == "Jobseeker"
        assert text_in(TEXTS, None) == "Arbetssökande"
        assert text_in({"fi": "Vain suomeksi"}, "en") == "Vain suomeksi"
        assert text_in(TEXTS, "") == "Työnhakija"  # an empty language names none: Finnish, not the reader's
