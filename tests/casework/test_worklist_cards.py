"""On a phone the worklist's rows are cards: every cell of a row names its column as the table's head names it (the
layout shows "Tehtävä: …" under the client's name), and the table keeps its roles for a screen reader."""

from __future__ import annotations

import uuid
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from polku.casework import presenters
from polku.casework.due import DueItem, DueKind, DueState
from polku.casework.selectors import WorklistRow


class _Table(HTMLParser):
    """The worklist table's column heads and, for each body row, its cells' column names (None for the row head)."""

    def __init__(self) -> None:
        super().__init__()
        self.heads: list[str] = []
        self.rows: list[list[str | None]] = []
        self.roles: set[str] = set()
        self._in_head = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("role"):
            self.roles.add(f"{tag}:{attributes['role']}")
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag == "th" and self._in_head:
            self._text = []
        elif tag in ("td", "th") and not self._in_head:
            self.rows[-1].append(attributes.get("data-label"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._text is not None:
            self.heads.append("".join(self._text).strip())
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


@pytest.mark.django_db  # the counsellors' names are read for their column
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_cell_names_its_column(language: str) -> None:
    rows = [WorklistRow(person_id=uuid.uuid4(), name=f"Asiakas {n}", counsellor="ohjaaja", team="Nuoret",
                        phase="initial_service",
                        item=DueItem(kind=kind, due_on=date(2026, 12, 1), state=DueState.OVERDUE, rule="initial_interview",
                                     rule_set="pohjoismainen-2022", verified=n % 2 == 0, source="Lähde"))
            for n, kind in enumerate(DueKind)]
    page = Paginator(rows, 100).get_page(1)
    with translation.override(language):
        context = {"states": [], "kinds": [], "worklist": SimpleNamespace(clients=len(rows)), "page": page,
                   "rows": rows, "rows_html": presenters.worklist_rows_html(rows), "query": {}, "scopes": []}
        html = render_to_string("casework/worklist.html", context, request=RequestFactory().get("/asiakastyo/"))
    table = _Table()
    table.feed(html[html.index('id="tyolista"') - 100:])
    assert len(table.rows) == len(rows)
    name_column = 2  # the client's name: the row's head (no label), shown first on a card
    assert len(table.heads) == 8
    expected = [None if i == name_column else head for i, head in enumerate(table.heads)]
    assert all(row == expected for row in table.rows), (table.heads, table.rows[0])
    assert {"table:table", "thead:rowgroup", "tbody:rowgroup", "tr:row", "th:columnheader", "th:rowheader",
            "td:cell"} <= table.roles
    assert 'class="data-table data-table--cards"' in html
