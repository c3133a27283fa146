"""Kela's invoice lines as benefit-day facts, and the invoice split into its own month and catch-up months.

Every figure is written out by hand: a Kuopio resident on labour-market subsidy Oct 2024 – Mar 2025,
20 days and 744,20 € a month (37,21 € a day).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from polku.access.models import AccessLog, Role
from polku.core.calendar import add_months
from polku.core.errors import AccessDenied, ValidationFailed
from polku.municipal_share.invoices import invoice_check, invoice_import, invoice_load_facts
from polku.municipal_share.models import KelaInvoice
from polku.municipal_share.reconcile import InvoiceLine, invoice_breakdown
from polku.people.models import Person
from polku.timeline import services
from polku.timeline.models import BenefitMonth, FactSource
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

TMT = "labour_market_subsidy"
PPR = "basic_allowance"
KUOPIO = "297"
APRIL = date(2025, 4, 1)
HEADER = "Henkilötunnus;Etuuskuukausi;Etuus;Peruste;Maksetut päivät;Maksettu €;Kuntaosuus €"


@pytest.fixture
def resident(make_person: Callable[..., Person]) -> Callable[[], tuple[Person, str]]:
    def factory() -> tuple[Person, str]:
        code = next_artificial_id(date(1979, 5, 5))
        person = make_person(personal_id_code=code, municipality=KUOPIO)
        for i in range(6):
            services.benefit_month_record(person=person, month=add_months(date(2024, 10, 1), i), benefit_type=TMT,
                                          days=20, amount=Decimal("744.20"))
        return person, code

    return factory


@pytest.fixture
def manager(make_staff: Callable[..., Any]) -> Any:
    return make_staff(Role.MANAGER, area="kuopio").user


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def current(person: Person, month: date, benefit: str = TMT) -> BenefitMonth:
    return BenefitMonth.objects.get(person=person, month=month, benefit_type=benefit, superseded_at__isnull=True)


def test_invoice_lines_become_facts_and_loading_again_changes_nothing(resident, manager, tmp_path: Path) -> None:
    anna, anna_code = resident()
    bertta, bertta_code = resident()
    data = csv(
        f"{anna_code};2025-04;työmarkkinatuki;;22;818,62;81,86",     # line 2: April is new: created
        f"{anna_code};2025-02;työmarkkinatuki;;18;669,78;0,00",      # line 3: February corrected late: superseded
        f"{bertta_code};2025-03;työmarkkinatuki;työttömyys;20;744,20;74,42",  # line 4: as in Polku: unchanged
        f"{bertta_code};2025-04;TMT;palvelu;5;186,05;18,61",         # line 5: days in a service: created
    )
    before = BenefitMonth.objects.count()
    check = invoice_import(data=data, file_name="huhtikuu.csv", municipality=KUOPIO, invoice_month=APRIL,
                           user=manager, as_facts=True)
    assert check.facts is not None
    assert [(c.lines, c.action) for c in check.facts.changes] == [
        ((2,), "created"), ((3,), "superseded"), ((4,), "unchanged"), ((5,), "created")]
    assert BenefitMonth.objects.count() == before + 3  # two new rows and one new version

    april = current(anna, APRIL)
    assert (april.days, april.amount, april.source, april.recorded_by) == (22, Decimal("818.62"), FactSource.KELA,
                                                                           manager)
    february = current(anna, date(2025, 2, 1))
    assert (february.days, february.amount, february.source) == (18, Decimal("669.78"), FactSource.KELA)
    old = BenefitMonth.objects.get(lineage=february.lineage, superseded_at__isnull=False)
    assert (old.days, old.amount, old.superseded_by_user) == (20, Decimal("744.20"), manager)
    assert old.correction_reason.startswith("Kelan lasku 2025-04")
    assert "rivi 3" in old.correction_reason
    assert "jälkilaskutus" in old.correction_reason
    assert current(bertta, date(2025, 3, 1)).source == FactSource.MANUAL  # identical: left as it was
    service = BenefitMonth.objects.get(person=bertta, month=APRIL, basis="service")
    assert (service.days, service.amount) == (5, Decimal("186.05"))
    assert check.invoice.facts_loaded_at is not None
    assert set(AccessLog.objects.filter(action="kela_invoice_facts").values_list("person_id", flat=True)) == {
        anna.pk, bertta.pk}

    # The same lines again (the stored invoice, and the same list re-encoded as another file): nothing changes.
    rows = list(BenefitMonth.objects.order_by("pk").values_list("pk", "days", "amount", "superseded_at"))
    again = invoice_load_facts(invoice_id=check.invoice.pk, user=manager)
    assert again.facts is not None
    assert {c.action for c in again.facts.changes} == {"unchanged"}
    other_file = invoice_import(data=data.replace(b"\n", b"\r\n"), file_name="huhtikuu-2.csv", municipality=KUOPIO,
                                invoice_month=APRIL, user=manager, as_facts=True)
    assert other_file.facts is not None
    assert other_file.facts.count("unchanged") == 4
    assert list(BenefitMonth.objects.order_by("pk").values_list("pk", "days", "amount", "superseded_at")) == rows

    # Reconciling the invoice now compares against the loaded facts: no day differences left.
    shown = invoice_check(invoice_id=check.invoice.pk, user=manager)
    assert not [d for d in shown.reconciliation.differences if d.kind in {"days", "paid_eur"}]


def test_unknown_person_refused_by_line_or_skipped_when_chosen(resident, manager) -> None:
    _anna, anna_code = resident()
    stranger = next_artificial_id(date(1990, 1, 1))
    data = csv(f"{anna_code};2025-04;työmarkkinatuki;;22;818,62;81,86", f"{stranger};2025-04;tmt;;10;372,10;0")
    with pytest.raises(ValidationFailed) as failure:
        invoice_import(data=data, file_name="a.csv", municipality=KUOPIO, invoice_month=APRIL, user=manager,
                       as_facts=True)
    assert [(e.field, e.code) for e in failure.value.errors] == [("rivi 3: henkilötunnus", "unknown")]
    assert stranger not in str(failure.value)
    assert not KelaInvoice.objects.exists()  # the invoice and its facts: all or nothing
    assert not BenefitMonth.objects.filter(month=APRIL).exists()

    check = invoice_import(data=data, file_name="a.csv", municipality=KUOPIO, invoice_month=APRIL, user=manager,
                           as_facts=True, skip_unknown_persons=True)
    assert check.facts is not None
    assert check.facts.skipped_lines == (3,)
    assert [(c.lines, c.action) for c in check.facts.changes] == [((2,), "created")]


def test_weekday_limit_over_all_benefits_refused_naming_the_line(resident, manager) -> None:
    anna, anna_code = resident()
    services.benefit_month_record(person=anna, month=APRIL, benefit_type=PPR, days=10, amount=Decimal("372.10"))
    data = csv(f"{anna_code};2025-04;työmarkkinatuki;;13;483,73;0,00")  # 13 + 10 = 23 > 22 weekdays of April
    with pytest.raises(ValidationFailed) as failure:
        invoice_import(data=data, file_name="a.csv", municipality=KUOPIO, invoice_month=APRIL, user=manager,
                       as_facts=True)
    [error] = failure.value.errors
    assert (error.field, error.code) == ("rivi 2: maksetut päivät", "too_many_days")
    assert "23" in error.message
    assert "22" in error.message
    assert "10 päivää" in error.message
    assert not KelaInvoice.objects.exists()
    # Lowering one benefit while raising another in the same month is fine (lowered rows are written first).
    services.benefit_month_record(person=anna, month=APRIL, benefit_type=TMT, days=12, amount=Decimal("446.52"))
    data = csv(f"{anna_code};2025-04;ppr;;2;74,42;0", f"{anna_code};2025-04;tmt;;20;744,20;0")
    check = invoice_import(data=data, file_name="b.csv", municipality=KUOPIO, invoice_month=APRIL, user=manager,
                           as_facts=True)
    assert check.facts is not None
    assert check.facts.count("superseded") == 2
    assert (current(anna, APRIL, PPR).days, current(anna, APRIL).days) == (2, 20)


def test_money_without_days_refused_naming_line(resident, manager) -> None:
    _, code = resident()
    with pytest.raises(ValidationFailed) as failure:
        invoice_import(data=csv(f"{code};2025-04;tmt;;0;10,00;0"), file_name="a.csv", municipality=KUOPIO,
                       invoice_month=APRIL, user=manager, as_facts=True)
    assert [e.field for e in failure.value.errors] == ["rivi 2: maksettu €"]


def test_analyst_may_check_but_not_load_facts(resident, make_staff) -> None:
    _, code = resident()
    analyst = make_staff(Role.ANALYST, area="kuopio").user
    with pytest.raises(AccessDenied):
        invoice_import(data=csv(f"{code};2025-04;tmt;;22;818,62;81,86"), file_name="a.csv", municipality=KUOPIO,
                       invoice_month=APRIL, user=analyst, as_facts=True)
    assert not KelaInvoice.objects.exists()


def test_cli_and_api_load_facts(resident, manager, tmp_path: Path) -> None:
    anna, code = resident()
    path = tmp_path / "lasku.csv"
    path.write_bytes(csv(f"{code};2025-04;tmt;;22;818,62;81,86", f"{code};2025-01;tmt;;21;781,41;0"))
    out = io.StringIO()
    call_command("kela_invoice", "import", str(path), "--municipality", KUOPIO, "--month", "2025-04", "--user",
                 manager.username, "--as-facts", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["facts"]["created"], body["facts"]["superseded"]) == (1, 1)
    assert body["breakdown"]["catch_up_months"][0]["month"] == "2025-01"
    assert code not in out.getvalue()
    text = io.StringIO()
    call_command("kela_invoice", "facts", "--id", str(body["invoice"]["id"]), "--user", manager.username, stdout=text)
    assert "uusia 0, korjattuja 0, ennallaan 2" in text.getvalue()
    assert "jälkilaskutus 2025-01: kuntaosuus 0.00 €, maksettu 781.41 €, 21 päivää, 1 riviä, 1 henkilöä" in text.getvalue()

    client = Client()
    client.force_login(manager)
    response = client.post(f"/api/kela-invoices/{body['invoice']['id']}/facts", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["facts"]["unchanged"] == 2
    other = tmp_path / "toinen.csv"
    other.write_bytes(csv(f"{code};2025-04;tmt;;21;781,41;78,14"))
    response = client.post("/api/kela-invoices", {"municipality": KUOPIO, "month": "2025-04", "as_facts": "true",
                                                  "file": SimpleUploadedFile("toinen.csv", other.read_bytes())})
    assert response.status_code == 201, response.content
    assert response.json()["facts"]["superseded"] == 1
    assert current(anna, APRIL).days == 21
    unknown = tmp_path / "tuntematon.csv"
    unknown.write_bytes(csv(f"{next_artificial_id(date(1990, 2, 2))};2025-04;tmt;;1;37,21;0"))
    with pytest.raises(CommandError, match="rivi 2: henkilötunnus"):
        call_command("kela_invoice", "import", str(unknown), "--municipality", KUOPIO, "--month", "2025-04",
                     "--user", manager.username, "--as-facts", stdout=io.StringIO())


# --- the catch-up breakdown: a pure function, figures by hand ----------------------------------------------------


def _line(number: int, who: str, month: date, *, days: int, paid: str, municipal: str) -> InvoiceLine:
    return InvoiceLine(line=number, personal_id_hash=who, month=month, benefit_type=TMT, paid_days=days,
                       cumulative_days=None, paid_eur=Decimal(paid), share_percent=None,
                       municipal_eur=Decimal(municipal), municipality=KUOPIO)


def test_breakdown_of_an_october_invoice_with_catch_up_months() -> None:
    october, august, july = date(2025, 10, 1), date(2025, 8, 1), date(2025, 7, 1)
    lines = [
        _line(2, "a", october, days=23, paid="855.83", municipal="85.58"),
        _line(3, "b", october, days=10, paid="372.10", municipal="0.00"),
        _line(4, "a", august, days=21, paid="781.41", municipal="78.14"),
        _line(5, "c", august, days=21, paid="781.41", municipal="390.71"),
        _line(6, "c", july, days=23, paid="855.83", municipal="427.92"),
        _line(7, "c", october, days=23, paid="855.83", municipal="427.92"),
    ]
    result = invoice_breakdown(lines, october)
    current = result.current
    assert (current.month, current.catch_up, current.lines, current.persons, current.paid_days) == (october, False, 3,
                                                                                                      3, 56)
    assert (current.paid_eur, current.municipal_eur) == (Decimal("2083.76"), Decimal("513.50"))
    assert [(p.month, p.lines, p.persons, p.paid_days, p.paid_eur, p.municipal_eur) for p in result.catch_up] == [
        (july, 1, 1, 23, Decimal("855.83"), Decimal("427.92")),
        (august, 2, 2, 42, Decimal("1562.82"), Decimal("468.85")),
    ]
    late = result.catch_up_total
    assert (late.lines, late.persons, late.paid_days, late.paid_eur, late.municipal_eur) == (
        3, 2, 65, Decimal("2418.65"), Decimal("896.77"))
    total = result.total
    assert (total.lines, total.persons, total.paid_days, total.paid_eur, total.municipal_eur) == (
        6, 3, 121, Decimal("4502.41"), Decimal("1410.27"))
    assert result.has_catch_up


def test_breakdown_of_an_invoice_of_its_own_month_only() -> None:
    march = date(2025, 3, 1)
    result = invoice_breakdown([_line(2, "a", march, days=20, paid="744.20", municipal="74.42")], march)
    assert not result.has_catch_up
    assert result.catch_up_total.municipal_eur == Decimal(0)
    assert result.catch_up_total.lines == 0
    assert result.current == result.total.__class__(march, False, 1, 1, 20, Decimal("744.20"), Decimal("74.42"))


def test_upload_page_loads_facts_and_shows_the_breakdown(resident, manager) -> None:
    anna, code = resident()
    client = Client()
    client.force_login(manager)
    page = client.get("/kuntaosuus/kelan-laskut/")
    assert page.status_code == 200
    assert 'name="as_facts"' in page.content.decode()
    data = csv(f"{code};2025-04;tmt;;22;818,62;81,86", f"{code};2025-02;tmt;;18;669,78;0,00")
    response = client.post("/kuntaosuus/kelan-laskut/", {
        "municipality": KUOPIO, "month": "2025-04", "as_facts": "on",
        "file": SimpleUploadedFile("huhtikuu.csv", data, "text/csv")})
    assert response.status_code == 201
    html = response.content.decode()
    table = html[html.index('id="erittely"'):]
    table = table[:table.index("</table>")]
    assert "2/2025 (jälkilaskutus)" in table
    assert re.findall(r'<td class="num">([^<]*)</td>', table) == [
        "81,86", "818,62", "22", "1", "1",   # April itself
        "0,00", "669,78", "18", "1", "1",    # February caught up
        "0,00", "669,78", "18", "1", "1",    # catch-up total
        "81,86", "1\xa0488,40", "40", "2", "1"]
    assert "uusia 1" in html
    assert "korjattuja 1" in html
    assert code not in html
    assert current(anna, date(2025, 2, 1)).days == 18

    bad = client.post("/kuntaosuus/kelan-laskut/", {
        "municipality": KUOPIO, "month": "2025-04", "as_facts": "on",
        "file": SimpleUploadedFile("bad.csv", csv(f"{code};2025-04;tmt;;30;818,62;81,86"), "text/csv")})
    assert bad.status_code == 400
    assert "rivi 2: maksetut päivät:" in bad.content.decode()
    detail = client.get(f"/kuntaosuus/kelan-laskut/{KelaInvoice.objects.get().pk}/")
    assert detail.status_code == 200
    assert "kirjattu etuustiedoiksi" in detail.content.decode()


def test_upload_page_hides_fact_loading_from_analysts(make_staff) -> None:
    client = Client()
    client.force_login(make_staff(Role.ANALYST, area="kuopio").user)
    html = client.get("/kuntaosuus/kelan-laskut/").content.decode()
    assert 'name="as_facts"' not in html
    counsellor = Client()
    counsellor.force_login(make_staff(Role.COUNSELLOR, area="kuopio").user)
    assert counsellor.get("/kuntaosuus/kelan-laskut/").status_code == 403


def test_payment_basis_column_is_read_and_a_bad_one_named(resident) -> None:
    from polku.municipal_share.invoices import parse_invoice

    _, code = resident()
    parsed = parse_invoice(csv(f"{code};2025-04;tmt;palvelun ajalta;5;186,05;0", f"{code};2025-04;tmt;;5;186,05;0"))
    assert [line.basis for line in parsed.lines] == ["service", "unemployment"]
    with pytest.raises(ValidationFailed) as failure:
        parse_invoice(csv(f"{code};2025-04;tmt;lomautus;5;186,05;0"))
    assert [(e.field, e.code) for e in failure.value.errors] == [("rivi 2: peruste", "unknown")]
