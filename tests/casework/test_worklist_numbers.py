"""The worklist's counts (the cards, the task filter, the table's caption, the pages) are grouped as numbers are
written in Finland: an area's twelve thousand tasks are "12 918", not "12918"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_counts_are_grouped_as_the_reader_writes_numbers(language: str) -> None:
    grouped = "12\xa0918"  # a space that does not break; English as written in Finland too (polku.formats)
    page = Paginator(range(24_937), 100).get_page(1)
    context = {"states": [("overdue", "Myöhässä", 12_918)], "kinds": [("no_plan", "Ei suunnitelmaa", 12_918)],
               "worklist": SimpleNamespace(clients=16_625), "page": page, "rows": list(page), "rows_html": "",
               "query": {}, "scopes": []}
    with translation.override(language):
        html = render_to_string("casework/worklist.html", context, request=RequestFactory().get("/asiakastyo/"))
    assert f'<span class="summary-card__value">{grouped}</span>' in html
    assert f"({grouped})</option>" in html
    assert grouped.replace("918", "625").replace("12", "16") in html  # the clients' card
    assert grouped.replace("918", "937").replace("12", "24") in html  # the caption's total
