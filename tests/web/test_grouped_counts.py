"""``|grouped``: counts in the reader's format on every page (``73 426``, not ``73426``); a hidden small cell's text
stays as it is, where ``floatformat`` would leave nothing."""

from __future__ import annotations

from decimal import Decimal

from django.template import engines
from django.utils import translation

from polku.web.templatetags.polku_text import grouped

TEMPLATE = engines["django"].from_string("{% load polku_text %}[{{ n|grouped }}]")


def test_counts_take_the_readers_thousands_separator() -> None:
    with translation.override("fi"):
        assert grouped(73426) == "73\xa0426"
        assert grouped(Decimal("7392")) == "7\xa0392"
        assert grouped(Decimal("1234.5")) == "1\xa0234,5"
        assert TEMPLATE.render({"n": 2451}) == "[2\xa0451]"
    with translation.override("en"):
        assert grouped(1234567) == "1\xa0234\xa0567"
        assert grouped(Decimal("1234.5")) == "1\xa0234.5"


def test_a_text_or_nothing_stays_as_it_is() -> None:
    with translation.override("fi"):
        assert grouped("< 5") == "< 5"
        assert grouped(None) is None
        assert grouped(True) is True
        assert TEMPLATE.render({"n": "< 5"}) == "[&lt; 5]"
        assert grouped(999) == "999"
