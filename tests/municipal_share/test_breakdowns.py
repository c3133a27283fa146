"""Breakdowns by area and team add up to the per-municipality figures of the same engine."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from polku.access.models import Team
from polku.municipal_share.breakdowns import share_breakdown
from polku.municipal_share.rules import shipped_rule_book
from polku.reference.models import EmploymentArea
from polku.timeline import services

pytestmark = pytest.mark.django_db


def subsidy_history(person, months: int, first: date = date(2023, 1, 1)) -> None:
    from polku.core.calendar import add_months

    for i in range(months):
        services.benefit_month_record(person=person, month=add_months(first, i), benefit_type="labour_market_subsidy",
                                      days=20, amount=Decimal("744.20"))


def test_area_and_team_breakdown(make_person) -> None:
    team = Team.objects.create(area=EmploymentArea.objects.get(code="kuopio"), name="Nuoret")
    kuopio = make_person(municipality="297", since=date(2010, 1, 1), team_id=team.pk)
    siilinjarvi = make_person(municipality="749", since=date(2010, 1, 1))
    for person in (kuopio, siilinjarvi):
        subsidy_history(person, 30)
    book = shipped_rule_book()
    by_municipality = share_breakdown(book, municipality_codes=["297", "749"], first_month=date(2025, 1, 1),
                                      last_month=date(2025, 6, 1), by=["municipality"])
    by_team = share_breakdown(book, municipality_codes=["297", "749"], first_month=date(2025, 1, 1),
                              last_month=date(2025, 6, 1), by=["area", "team"])
    assert {tuple(r.keys.values()) for r in by_team} == {("kuopio", "Nuoret"), ("kuopio", "—")}
    total = sum(Decimal(r.municipal_eur) for r in by_municipality)
    assert total == sum(Decimal(r.municipal_eur) for r in by_team)
    assert total > 0


def test_breakdown_command(make_person) -> None:
    person = make_person(municipality="297", since=date(2010, 1, 1))
    subsidy_history(person, 24, first=date(2022, 1, 1))
    out = io.StringIO()
    call_command("share_breakdown", "--area", "kuopio", "--year", "2023", "--by", "municipality", "age_group",
                 "--rule", "2015", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows[0]["keys"]["municipality"] == "297"
    assert Decimal(rows[0]["municipal_eur"]) > 0


def test_breakdown_api_scope_and_suppression(make_person, make_staff) -> None:
    from django.test import Client

    from polku.access.models import Role

    person = make_person(municipality="297", since=date(2010, 1, 1))
    subsidy_history(person, 24, first=date(2022, 1, 1))
    manager, official, outsider = (Client(), Client(), Client())
    manager.force_login(make_staff(Role.MANAGER, area="kuopio").user)
    official.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kuopio").user)
    outsider.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    query: dict[str, str] = {"area": "kuopio", "year": "2023", "by": "municipality,age_group", "rule": "2015"}
    body = manager.get("/api/municipal-share/breakdown", query).json()
    assert len(body["rows"]) == 1
    assert body["rows"][0]["billed_persons"] == 1
    hidden = official.get("/api/municipal-share/breakdown", query).json()
    assert hidden["rows"] == []  # one person: the whole group is left out for aggregate-only roles
    assert hidden["suppressed_groups"] == 1
    assert outsider.get("/api/municipal-share/breakdown", query).status_code == 403
    bad = manager.get("/api/municipal-share/breakdown", {**query, "by": "shoe_size"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "by"
