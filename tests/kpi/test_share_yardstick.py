"""Issue 16, item 5: the municipal share € per resident against a comparison group, from Kela's published figures and
the populations, ranked with the user's municipality highlighted (as Jobindsats does)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from polku.access.models import Role
from polku.core.calendar import add_months
from polku.kpi import share_yardstick
from polku.municipal_share.models import KelaStatistic, KelaStatisticsImport
from polku.reference.models import ResidentPopulation

pytestmark = pytest.mark.django_db

LAST = date(2025, 12, 1)
# municipality → (€ a month, residents at the end of 2025)
HELD = {"765": (Decimal("20000"), 10_000), "205": (Decimal("90000"), 36_000), "290": (Decimal("10000"), 8_000)}


@pytest.fixture
def published() -> None:
    source = KelaStatisticsImport.objects.create(file_name="kela.csv", sha256="0" * 64, encoding="utf-8",
                                                 source="Kela, avoin data", row_count=0)
    for code, (monthly, residents) in HELD.items():
        months = 12 if code != "290" else 11  # Kuhmo misses a month: no figure
        KelaStatistic.objects.bulk_create([
            KelaStatistic(source_import=source, region=code, municipality_id=code, month=add_months(LAST, -i),
                          benefit_type="", municipal_eur=monthly) for i in range(months)])
        ResidentPopulation.objects.create(municipality_id=code, year=2024, residents=residents + 100,
                                          source="Tilastokeskus")
        ResidentPopulation.objects.create(municipality_id=code, year=2025, residents=residents, source="Tilastokeskus")
    # A month before the twelve does not count.
    KelaStatistic.objects.create(source_import=source, region="765", municipality_id="765",
                                 month=add_months(LAST, -12), benefit_type="", municipal_eur=Decimal("999999"))


def test_twelve_months_over_the_residents_ranked(published: None) -> None:
    assert share_yardstick.latest_month() == LAST
    rows = share_yardstick.standings("765", ["205", "290"], LAST)
    assert [(r.code, r.rank, r.eur_per_resident) for r in rows] == [
        ("205", 1, Decimal("30.00")),  # 90 000 × 12 / 36 000
        ("765", 2, Decimal("24.00")),  # 20 000 × 12 / 10 000
        ("290", None, None),  # eleven months held
    ]
    own = next(r for r in rows if r.own)
    assert (own.code, own.municipal_eur, own.residents, own.residents_year) == ("765", Decimal("240000"), 10_000, 2025)
    # Before the 2025 populations were held, the newest year before it is used.
    ResidentPopulation.objects.filter(year=2025).delete()
    assert share_yardstick.standings("765", [], LAST)[0].residents_year == 2024


def test_the_page_ranks_the_users_municipality(published: None, make_staff: Any) -> None:
    client = Client()
    client.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu").user)
    html = client.get("/mittarit/vertailu/", {"municipality": "765", "indicator": "municipal_share_per_resident",
                                              "reference": ["205", "290"]}).content.decode()
    assert "Kunnan osuus työttömyysetuuksista asukasta kohden, 12 kuukautta" in html
    assert 'class="is-own"' in html
    assert "24,00" in html
    assert "30,00" in html
    assert "tammikuu 2025" in html
    assert "joulukuu 2025" in html
    assert "data-chart-spec" in html
    assert "Esimerkkiaineisto" not in html


def test_example_figures_are_marked_and_the_own_colour_holds_in_every_language(
        published: None, make_staff: Any) -> None:
    KelaStatisticsImport.objects.update(example=True)
    client = Client()
    client.force_login(make_staff(Role.ELECTED_OFFICIAL, area="kainuu").user)
    query = {"municipality": "765", "indicator": "municipal_share_per_resident", "reference": ["205", "290"]}
    assert "Esimerkkiaineisto: luvut ovat keksittyjä" in client.get("/mittarit/vertailu/", query).content.decode()
    for language, own in (("fi", "oma kunta"), ("en", "own municipality")):
        client.cookies["django_language"] = language
        html = client.get("/mittarit/vertailu/", query).content.decode()
        assert f'&quot;domain&quot;: [&quot;{own}&quot;' in html or f'"domain": ["{own}"' in html


def test_without_kela_figures_the_page_says_so(make_staff: Any) -> None:
    client = Client()
    client.force_login(make_staff(Role.MANAGER, area="kainuu").user)
    html = client.get("/mittarit/vertailu/?indicator=municipal_share_per_resident").content.decode()
    assert "Kelan julkaisemia kuntaosuuksia ei ole tuotu Polkuun." in html
