"""Issue 16, item 8: months not yet complete are not plotted as 0 — a month without figures yet is missing (in the
table, the chart and the workbook), and the month running today is marked partial."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped,import-not-found,unused-ignore]
import pytest
from django.test import Client
from django.utils import timezone

from polku.access.models import Role
from polku.core.calendar import add_months, month_start
from polku.municipal_share.presenters import COMPLETE, NO_DATA, PARTIAL, month_state
from polku.timeline import services

pytestmark = pytest.mark.django_db


def test_month_state() -> None:
    today, latest = date(2026, 12, 3), date(2026, 12, 1)
    assert month_state(date(2026, 11, 1), today, latest) == COMPLETE
    assert month_state(date(2026, 12, 1), today, latest) == PARTIAL
    assert month_state(date(2027, 1, 1), today, latest) == NO_DATA
    assert month_state(date(2026, 11, 1), today, date(2026, 10, 1)) == NO_DATA  # no facts for it yet
    assert month_state(date(2026, 1, 1), today, None) == NO_DATA


def test_the_share_page_leaves_months_without_facts_out_and_marks_the_running_month(make_staff: Any, make_person: Any,
                                                                                    settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0  # computed at each read (the worker's path: tests/municipal_share/test_pages.py)
    this_month = month_start(timezone.localdate())
    last_with_facts = add_months(this_month, -2)
    person = make_person(municipality="765", since=date(2018, 1, 1))
    for month in (add_months(this_month, -4), add_months(this_month, -3), last_with_facts):
        services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=5,
                                      amount=Decimal("170.00"))
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu-trial").user)
    year = last_with_facts.year
    url = f"/kuntaosuus/?municipality=765&year={year}"
    html = client.get(url).content.decode()
    later = [f"{m}/{year}" for m in range(last_with_facts.month + 1, 13)]
    assert later  # at least this month and the one before
    assert html.count("ei vielä tietoja") == len(later)
    spec = json.loads(re.search(r'<script id="kk-kaavio-spec" type="application/json">(.*?)</script>', html,
                                re.S).group(1))  # type: ignore[union-attr]
    plotted = set(re.findall(r'"month": "([^"]+)"', json.dumps(spec)))
    assert f"{last_with_facts.month}/{year}" in plotted
    assert not plotted & set(later)  # never drawn as zeros
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/kuntaosuus/excel/?municipality=765&year={year}").content))
    rows = {r[0]: r for r in workbook.worksheets[0].iter_rows(min_row=5, values_only=True) if r[0]}
    for label in later:
        assert rows[label][1:4] == (None, "ei vielä tietoja", None)

    # Facts for the running month: it is shown, marked partial, and the month before it is an ordinary month.
    services.benefit_month_record(person=person, month=this_month, benefit_type="labour_market_subsidy", days=2,
                                  amount=Decimal("68.00"))
    html = client.get(f"/kuntaosuus/?municipality=765&year={this_month.year}").content.decode()
    assert f"{this_month.month}/{this_month.year} (kesken)" in html
    assert html.count("ei vielä tietoja") == 12 - this_month.month
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/kuntaosuus/excel/?municipality=765&year={this_month.year}").content))
    rows = {r[0]: r for r in workbook.worksheets[0].iter_rows(min_row=5, values_only=True) if r[0]}
    assert "kesken" in rows[f"{this_month.month}/{this_month.year}"][2]
