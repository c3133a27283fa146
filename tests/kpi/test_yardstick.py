"""The yardstick (issue 16, item 5): a municipality ranked among similar municipalities on Statistics Finland's
published rates, each with a 95 % band for chance variation; the group suggested by size when none is configured."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from polku.access.models import Role
from polku.kpi import comparison, yardstick
from polku.public_statistics import selectors as public
from polku.public_statistics.services import pxweb_import

FIXTURES = Path(__file__).resolve().parents[2] / "polku" / "public_statistics" / "fixtures"
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def published(db: Any) -> None:
    for name in ("12r5_vertailu_2025_2026.json", "12u4_vertailu_2025_2026.json"):
        pxweb_import((FIXTURES / name).read_bytes(), file_name=name)


def test_wilson_interval_golden() -> None:
    low, high = yardstick.wilson(50, 100)
    assert (round(low, 4), round(high, 4)) == (0.4038, 0.5962)  # the textbook value for 50 of 100
    assert yardstick.wilson(0, 20)[0] == 0.0
    assert round(yardstick.wilson(0, 20)[1], 4) == 0.1611


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_the_band_holds_the_rate_and_narrows_with_more_people(count: int, base: int) -> None:
    count = min(count, base)
    low, high = yardstick.wilson(count, base)
    assert 0.0 <= low <= count / base <= high <= 1.0
    wider_low, wider_high = yardstick.wilson(count, base)
    narrower_low, narrower_high = yardstick.wilson(count * 4, base * 4)
    assert narrower_high - narrower_low <= wider_high - wider_low + 1e-12


@pytest.mark.django_db
def test_standings_are_the_published_rates_ranked_with_their_bands(published: None) -> None:
    group = yardstick.suggested_group("765", OCTOBER)
    assert group.kind == "configured"
    assert group.members == comparison.reference_set("765").members
    rows = yardstick.standings("unemployed_share_of_labour_force", "765", list(group.members), OCTOBER)
    assert {r.code for r in rows} == {"765", *group.members}
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    rates = [r.rate for r in rows]
    assert None not in rates
    assert rates == sorted((rate for rate in rates if rate is not None), reverse=True)
    assert [r.code for r in rows if r.own] == ["765"]
    official = public.percent_series(variable="TYOTTOMATLOPUSSA", per="TYOVOIMATK", table="12r5",
                                     municipality_codes=["765"], first_month=OCTOBER, last_month=OCTOBER)
    sotkamo = next(r for r in rows if r.own)
    official_rate = official["765"][OCTOBER]
    assert official_rate is not None
    assert sotkamo.rate == official_rate.quantize(Decimal("0.1"))
    assert sotkamo.low < sotkamo.rate < sotkamo.high  # type: ignore[operator]
    kuopio = yardstick.standings("activation_rate", "297", ["765"], OCTOBER)
    by_code = {r.code: r for r in kuopio}
    # Kuopio's base is some ten times Sotkamo's: its band is narrower.
    assert by_code["297"].high - by_code["297"].low < by_code["765"].high - by_code["765"].low  # type: ignore[operator]
    activation = public.month_values(variable="AKTASTE", municipality_codes=["297"], month=OCTOBER, table="12u4")
    assert abs(by_code["297"].rate - activation["297"]) <= Decimal("0.1")  # type: ignore[operator]


@pytest.mark.django_db
def test_without_a_configured_set_the_nearest_in_size_are_suggested(published: None) -> None:
    group = yardstick.suggested_group("290", OCTOBER, size=3)  # Kuhmo has no configured set
    assert group.kind == "size"
    labour = public.month_values(variable="TYOVOIMATK", municipality_codes=["290", "765", "777", "205", "297",
                                                                            "179", "167", "398"],
                                 month=OCTOBER, table="12r5")
    kuhmo = labour["290"]
    assert kuhmo is not None
    others = sorted((abs(float(v) / float(kuhmo) - 1), c) for c, v in labour.items() if c != "290" and v)
    assert set(group.members) <= {c for _, c in others[:4]}
    assert "179" not in group.members  # Jyväskylä is no peer of Kuhmo


@pytest.mark.django_db
def test_the_page_ranks_the_users_municipality(published: None, make_staff: Any, make_person: Any) -> None:
    make_person(municipality="765")
    client = Client()
    client.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu-trial").user)
    html = client.get("/mittarit/vertailu/").content.decode()
    assert "Vertailu samankaltaisiin kuntiin: Sotkamo" in html
    assert 'class="is-own"' in html
    assert "Vaihteluväli (95 %)" in html
    assert "Kajaani" in html
    assert "Suomussalmi" in html
    assert client.get("/mittarit/vertailu/?municipality=297").status_code == 400  # not the official's area
    html = client.get("/mittarit/vertailu/?indicator=activation_rate&reference=205").content.decode()
    assert "Vertailukunnat: itse valitut." in html


@pytest.mark.django_db
def test_polkus_own_figure_stands_beside_the_published_one(published: None, make_staff: Any, make_person: Any) -> None:
    """Issue 16, item 3: where Polku's figure differs from the published one, the page says so and why."""
    from polku.timeline import services

    for _ in range(12):
        person = make_person(municipality="765", since=date(2019, 1, 1))
        services.status_spell_record(person=person, status="unemployed", start_date=date(2026, 1, 5))
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    html = client.get("/mittarit/vertailu/?indicator=activation_rate").content.decode()
    assert 'id="oma-luku"' in html
    assert "Sotkamo Polun omasta rekisteristä: 0,0 %" in html  # twelve unemployed, none in services
    rate = next(r.rate for r in yardstick.standings("activation_rate", "765", ["765"], OCTOBER) if r.own)
    assert f"julkaistu luku {str(rate).replace('.', ',')} %" in html
    assert "%-yks." in html
    assert "/mittarit/activation_rate/?scope=765#vertailu" in html
