"""Issue 16 (what a new user met): the demo holds Kela's published municipal shares as a labelled example file, so
the share page's comparison and the € per resident yardstick show figures, each marked as an example."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from polku.access.models import Role, StaffProfile
from polku.kpi import share_yardstick
from polku.municipal_share.kela_statistics import parse_statistics
from polku.municipal_share.management import demo_kela as demo
from polku.municipal_share.models import KelaStatistic, KelaStatisticsImport
from polku.municipal_share.rules import IN_FORCE
from polku.municipal_share.services import current_rule_book
from polku.municipal_share.summary import Period, compute_summary
from tests.municipal_share.test_pages import benefit_person, monthly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cache(settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0


def test_the_example_is_polkus_own_figures_within_two_percent_and_marked(
        make_staff: Callable[..., StaffProfile]) -> None:
    benefit_person(municipality="765", months=monthly(date(2023, 1, 1), 30, 20))
    benefit_person(municipality="205", months=monthly(date(2024, 1, 1), 18, 19))
    parsed = parse_statistics(demo.example_file() or b"")
    assert parsed.example
    months = sorted({row.month for row in parsed.rows})
    assert (months[0], months[-1], len(months)) == (date(2024, 7, 1), date(2025, 6, 1), 12)
    assert {row.municipality for row in parsed.rows} == {"765", "205"}
    own = compute_summary(current_rule_book(), "765", Period(2024, 2025), [IN_FORCE]).variant(IN_FORCE).by_month
    for row in (r for r in parsed.rows if r.municipality == "765"):
        polku = own[row.month].municipal_eur
        assert row.municipal_eur is not None
        assert abs(row.municipal_eur - polku) <= polku * Decimal("0.02") + Decimal("0.01")

    admin = make_staff(Role.ADMIN, area=None).user
    stored = demo.seed_kela_example(admin)
    assert stored == len(parsed.rows)
    assert KelaStatisticsImport.objects.get().example
    assert demo.seed_kela_example(admin) == 0  # the same file once
    assert share_yardstick.latest_month() == date(2025, 6, 1)
    assert share_yardstick.example_figures_in(["765"], date(2025, 6, 1))
    assert KelaStatistic.objects.filter(municipality_id="765").count() == 12


def test_without_benefit_facts_there_is_no_file(make_staff: Callable[..., StaffProfile]) -> None:
    assert demo.example_file() is None
    assert demo.seed_kela_example(make_staff(Role.ADMIN, area=None).user) == 0
