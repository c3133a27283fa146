"""Share page, Excel export, early-warning worklist and the client panel, on facts built through the services."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from polku.access.models import AccessLog, Role, StaffProfile
from polku.core.calendar import add_months
from polku.jobs.worker import run_worker
from polku.municipal_share import selectors, services
from polku.municipal_share.rules import forced_book
from polku.people.models import Person
from polku.timeline import services as timeline
from tests.chart_support import chart_labels, chart_specs, inline_rows
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db
PASSWORD = "salasana-123"
DAILY = Decimal("33.78")
NEW_RULE = "tyottomyysetuudet-2025"
REFERENCE = date(2025, 6, 10)  # last full month May 2025


@pytest.fixture(autouse=True)
def _no_cache_fast_hashing(settings: Any) -> None:
    settings.POLKU_SHARE_CACHE_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def benefit_person(*, municipality: str, months: list[tuple[date, int]], team_id: int | None = None,
                   birth: date = date(1990, 3, 15), benefit: str = "labour_market_subsidy",
                   last_name: str = "Testinen") -> Person:
    person = timeline.person_create(personal_id_code=next_artificial_id(birth), first_names="Testi",
                                    last_name=last_name, team_id=team_id)
    timeline.home_municipality_record(person=person, municipality_code=municipality, start_date=date(2010, 1, 1))
    for month, days in months:
        timeline.benefit_month_record(person=person, month=month, benefit_type=benefit, days=days,
                                      amount=DAILY * days)
    return person


def monthly(first: date, count: int, days: int) -> list[tuple[date, int]]:
    return [(add_months(first, i), days) for i in range(count)]


@dataclass(frozen=True)
class World:
    counsellor: StaffProfile
    other_counsellor: StaffProfile
    manager: StaffProfile
    kuopio_manager: StaffProfile
    elected: StaffProfile
    admin: StaffProfile
    near_step: Person  # counsellor's client, reaches day 101 of the 2025 rule at the start of June 2025
    other_near_step: Person  # the other team's client, same situation
    far: Person  # counsellor's client far from any step


@pytest.fixture
def world(make_staff: Callable[..., StaffProfile]) -> World:
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo A")
    other = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo B")
    # Long-term subsidy recipients 2019–2021 (counter past 300 in 2020): the 2021 share is 50 %.
    benefit_person(municipality="765", months=monthly(date(2019, 1, 1), 36, 20), birth=date(1990, 3, 15))
    benefit_person(municipality="765", months=monthly(date(2019, 6, 1), 31, 19), birth=date(1960, 2, 1))
    # A subsidy recipient 2023–2025: both rules bill in the comparison years.
    benefit_person(municipality="765", months=monthly(date(2023, 1, 1), 29, 19), birth=date(2002, 5, 5))
    near = benefit_person(municipality="765", months=monthly(date(2025, 1, 1), 5, 20), team_id=counsellor.team_id,
                          benefit="basic_allowance", last_name="Lähellä")
    other_near = benefit_person(municipality="765", months=monthly(date(2025, 1, 1), 5, 20), team_id=other.team_id,
                                benefit="basic_allowance", last_name="Toinen")
    far = benefit_person(municipality="765", months=monthly(date(2025, 3, 1), 3, 5), team_id=counsellor.team_id,
                         benefit="basic_allowance", last_name="Kaukana")
    return World(
        counsellor=counsellor, other_counsellor=other, manager=make_staff(Role.MANAGER, area="kainuu"),
        kuopio_manager=make_staff(Role.MANAGER, area="kuopio"),
        elected=make_staff(Role.ELECTED_OFFICIAL, area="kainuu"), admin=make_staff(Role.ADMIN, area=None),
        near_step=near, other_near_step=other_near, far=far,
    )


def login(client: Any, profile: StaffProfile) -> None:
    client.force_login(profile.user)  # the login form itself, with its lockout, is tested in tests/access


def number(text: str) -> Decimal:
    return Decimal(re.sub(r"[\s\u00a0]", "", text).replace(",", "."))


def engine_total(year_from: int, year_to: int, *, rule: str | None = None) -> Decimal:
    book = services.current_rule_book()
    if rule:
        book = forced_book(book, rule)
    rows = selectors.share_rows(book, municipality_codes=["765"], first_month=date(year_from, 1, 1),
                                last_month=date(year_to, 12, 1))
    return sum((r.municipal_eur for r in rows), Decimal(0))


def share_url(**params: Any) -> str:
    return reverse("municipal_share:share") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_share_page_totals_equal_the_engine(client: Any, world: World) -> None:
    login(client, world.manager)
    response = client.get(share_url(municipality="765", year=2021))
    assert response.status_code == 200
    html = response.content.decode()
    shown = number(re.search(r'id="kunta-yhteensa">([^<]*)<', html).group(1))  # type: ignore[union-attr]
    expected = engine_total(2021, 2021)
    assert expected > 0
    assert shown == expected
    # Twelve month rows, a chart with a title, tables with captions and header scopes.
    assert len(re.findall(r'<tr><th scope="row" class="nowrap">\d+/2021</th>', html)) == 12
    assert chart_labels(html)["kk-kaavio"].startswith("Kunnan osuus kuukausittain")
    bars = list(inline_rows(chart_specs(html)["kk-kaavio"]))  # the chart the browser draws: a bar per month
    assert len(bars) == 12
    assert sum(Decimal(str(b["eur"])) for b in bars) == pytest.approx(expected, abs=Decimal("0.05"))
    assert "<caption>" in html
    assert 'scope="col"' in html
    assert "25–54 v" in html
    assert ">tmt-2015<" not in html  # each month names its rule set, not its code
    assert "55 v tai yli" in html
    assert "—" in html
    assert "Asukaslukua ei ole syötetty" in html
    assert "population import" not in html  # no command lines on a page


def test_comparison_of_both_rules_2024_2025(client: Any, world: World) -> None:
    login(client, world.manager)
    html = client.get(share_url(municipality="765", year="2024-2025")).content.decode()
    assert 'id="vertailu"' in html
    old_total = engine_total(2024, 2025, rule="tmt-2015")
    new_total = engine_total(2024, 2025, rule=NEW_RULE)
    assert new_total > 0
    table = html[html.index('id="vertailu"'):]
    last_row = table[table.index("<tfoot>"):table.index("</tfoot>")].split("<tr>")[-1]
    cells = re.findall(r'<td class="num">([^<]*)</td>', last_row)
    assert (number(cells[0]), number(cells[1])) == (old_total, new_total)


def test_unverified_badge_until_confirmed(client: Any, world: World) -> None:
    login(client, world.manager)
    html = client.get(share_url(municipality="765", year=2025)).content.decode()
    assert "vahvistamaton" in html
    assert "share-unverified" in html
    services.rule_set_confirm(code=NEW_RULE, note="Tarkistettu lakiin 555/1998 (testi).", actor=world.admin.user)
    html = client.get(share_url(municipality="765", year=2025)).content.decode()
    assert "vahvistamaton" not in html
    assert "Tarkistettu lakiin 555/1998" in html


def test_municipality_choice_is_limited_to_the_area(client: Any, world: World) -> None:
    login(client, world.kuopio_manager)
    response = client.get(share_url(municipality="765", year=2021))
    assert response.status_code == 400
    assert 'value="765"' not in response.content.decode()
    assert client.get(share_url(municipality="297", year=2021)).status_code == 200
    assert client.get(share_url(municipality="297", year=1999)).status_code == 400


def test_elected_official_sees_aggregates_with_small_cells_hidden(client: Any, world: World) -> None:
    login(client, world.elected)
    html = client.get(share_url(municipality="765", year=2021)).content.decode()
    assert "&lt; 5" in html  # two billed persons
    assert not re.search(r'<td class="num">[1-4]</td>', html.split('id="kuukaudet"')[1].split("</table>")[0])
    assert client.get(reverse("municipal_share:warnings")).status_code == 403
    login(client, world.manager)
    html = client.get(share_url(municipality="765", year=2021)).content.decode()
    assert "&lt; 5" not in html


def test_excel_export_opens_and_holds_the_totals(client: Any, world: World) -> None:
    login(client, world.manager)
    response = client.get(reverse("municipal_share:share_excel") + "?municipality=765&year=2025")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        names = workbook.namelist()
        strings = workbook.read("xl/sharedStrings.xml").decode()
        first_sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        sheets = workbook.read("xl/workbook.xml").decode()
    assert "xl/worksheets/sheet1.xml" in names
    assert "Säännöt" in sheets
    assert "Kuukausittain" in sheets
    assert "vahvistamaton" in strings
    assert NEW_RULE in strings
    values = [Decimal(v) for v in re.findall(r"<v>([-0-9.E]+)</v>", first_sheet)]
    assert float(engine_total(2025, 2025)) in [float(v) for v in values]


@pytest.mark.django_db(transaction=True)  # the worker runs its jobs in transactions and closes connections
def test_worklist_is_scoped_sorted_and_access_logged(client: Any, world: World) -> None:
    login(client, world.counsellor)
    url = reverse("municipal_share:warnings") + f"?days=30&date={REFERENCE.isoformat()}"
    waiting = client.get(url).content.decode()  # the page never waits: the worker computes the list
    assert "Listaa lasketaan" in waiting
    assert "Lähellä" not in waiting
    assert not AccessLog.objects.filter(action="share_early_warnings").exists()
    run_worker()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lista on laskettu" in html
    assert "Lähellä" in html
    assert "Toinen" not in html  # the other team's client
    assert "Kaukana" not in html  # far from the next step
    assert "vahvistamaton" in html
    logged = set(AccessLog.objects.filter(action="share_early_warnings").values_list("person_id", flat=True))
    assert logged == {world.near_step.pk}
    login(client, world.manager)  # area scope: both teams' clients
    client.get(reverse("municipal_share:warnings") + f"?days=60&date={REFERENCE.isoformat()}")
    run_worker()
    html = client.get(reverse("municipal_share:warnings") + f"?days=60&date={REFERENCE.isoformat()}").content.decode()
    assert html.index("Lähellä") > 0
    assert "Toinen" in html
    assert client.get(reverse("municipal_share:warnings") + "?days=45").status_code == 400


@pytest.mark.django_db(transaction=True)  # the worker runs its jobs in transactions and closes connections
def test_the_share_page_never_waits_for_the_summary(client: Any, world: World, settings: Any) -> None:
    """The worker computes a municipality's summary; the page shows a progress bar the first time, then the figures
    with the time they were computed, and after new facts the previous figures while the new ones are computed."""
    settings.POLKU_SHARE_CACHE_SECONDS = 24 * 3600
    login(client, world.manager)
    url = share_url(municipality="765", year=2021)
    waiting = client.get(url)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "Lukuja lasketaan" in html
    assert "data-job-progress" in html
    assert 'id="kunta-yhteensa"' not in html
    retried = client.get(url + "&uudelleen=1")  # "try again now": queued, and back to the address the bar reloads
    assert retried.status_code == 302
    assert retried["Location"] == url
    run_worker()
    html = client.get(url).content.decode()
    assert "Luvut on laskettu" in html
    before = engine_total(2021, 2021)
    assert number(re.search(r'id="kunta-yhteensa">([^<]*)<', html).group(1)) == before  # type: ignore[union-attr]
    benefit_person(municipality="765", months=monthly(date(2020, 1, 1), 24, 19), last_name="Uusi")  # an import
    updating = client.get(url).content.decode()
    assert "Lukuja päivitetään" in updating  # the earlier figures, said to be older, while the new ones are computed
    assert number(re.search(r'id="kunta-yhteensa">([^<]*)<', updating).group(1)) == before  # type: ignore[union-attr]
    run_worker()
    after = engine_total(2021, 2021)
    assert after > before
    html = client.get(url).content.decode()
    assert number(re.search(r'id="kunta-yhteensa">([^<]*)<', html).group(1)) == after  # type: ignore[union-attr]
    assert "Lukuja päivitetään" not in html
    # The API may wait: it answers with the figures at once, from the worker's result or computed there and then.
    api = client.get("/api/municipal-share?municipality=765&year=2021&rule=in-force")
    assert api.status_code == 200
    assert Decimal(api.json()["totals"]["municipal_eur"]) == after


def test_the_population_beside_the_euros_per_resident_reads_in_the_readers_locale(client: Any, world: World) -> None:
    from polku.reference.models import ResidentPopulation

    ResidentPopulation.objects.create(municipality_id="765", year=2021, residents=10123, source="Tilastokeskus")
    login(client, world.manager)
    html = client.get(share_url(municipality="765", year=2021)).content.decode()
    assert "Asukasluku 2021: 10\xa0123 (Tilastokeskus)." in html  # grouped as Finnish writes numbers
    client.cookies["django_language"] = "en"
    english = client.get(share_url(municipality="765", year=2021)).content.decode()
    assert "2021: 10\xa0123 (Tilastokeskus)." in english  # Polku's English formats group with a narrow space too
    assert "2021: 10123" not in english


def test_client_timeline_has_the_share_panel(client: Any, world: World) -> None:
    login(client, world.counsellor)
    html = client.get(reverse("web:person_detail", kwargs={"person_id": world.near_step.pk})).content.decode()
    assert "Kuntaosuuden laskurit" in html
    panel = html[html.index("kuntaosuus-otsikko"):html.index("aikajana-otsikko")]
    assert "100" in panel  # counter under the 2025 rule after five months of 20 days
    assert "Seuraava porras" in panel
    assert "101" in panel



@pytest.mark.parametrize(("language", "words"), [
    ("fi", "Kunta maksaa 50 % työmarkkinatuesta"), ("sv", "Kommunen betalar 50 % av arbetsmarknadsstödet"),
    ("en", "The municipality pays 50 % of the labour market subsidy")])
def test_each_rule_set_is_explained_in_the_readers_language(client: Any, world: World, language: str,
                                                            words: str) -> None:
    """The rules' sources are developers' English; the reader gets what each rule does in their own language."""
    login(client, world.manager)
    client.cookies["django_language"] = language
    html = client.get(share_url(municipality="765", year=2021)).content.decode()
    assert words in html
    assert "TE24 reform" not in html


@pytest.mark.parametrize(("language", "words"), [
    ("fi", "ei ole vielä varmistettu laista"), ("sv", "ännu inte har bekräftats i lagen"),
    ("en", "not yet confirmed from the law")])
def test_the_unverified_rule_sets_summary_says_so(language: str, words: str) -> None:
    """The 2025 steps between day 101 and day 700 are not confirmed: the reader's own summary must not hide it."""
    from polku.municipal_share.rules import shipped_rule_book

    unverified = [rule_set.summary_in(language) for rule_set in shipped_rule_book().rule_sets if not rule_set.verified]
    assert unverified
    assert all(words in summary for summary in unverified)


def test_a_rule_file_without_summaries_still_loads_and_a_broken_one_is_refused() -> None:
    import json as json_module
    from pathlib import Path

    from polku.municipal_share import rules

    shipped = json_module.loads((Path(rules.__file__).parent / "data" / "rule_sets.json").read_text(encoding="utf-8"))
    without = [{k: v for k, v in entry.items() if k != "summary"} for entry in shipped]
    assert [rules._rule_set(e, f"[{i}]").summary for i, e in enumerate(without)] == [(), ()]
    with pytest.raises(ValueError, match=r"\[0\]\.summary"):
        rules._rule_set(shipped[0] | {"summary": {"fi": "vain suomeksi"}}, "[0]")
