"""The reader's language: the one place that says which language a text is chosen in.

Pages, exports and background jobs pick texts kept in the three languages (a rule's source, an indicator's name, a
profile's title) by the active translation. Where none is active (a command, a job outside a request), Finnish is the
product's first language and the one every text has.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language

FIRST = "fi"  # every text has a Finnish version


def reader_language() -> str:
    """The active language's two-letter code ("fi", "sv" or "en"), Finnish where none is active."""
    return (get_language() or FIRST)[:2]


def text_in(texts: Mapping[str, str], language: str | None = None) -> str:
    """``texts`` ({"fi": …, "sv": …, "en": …}) in ``language`` (the reader's when none is given), in Finnish where it
    has none there."""
    return texts.get(reader_language() if language is None else language) or texts.get(FIRST, "")
