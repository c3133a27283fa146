"""Importing an invoice and reconciling it with Polku: each kind of difference on hand-built persons."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from polku.access.models import AccessLog, Role
from polku.core.calendar import add_months
from polku.core.errors import ValidationFailed
from polku.municipal_share.invoices import InvoiceCheck, check_as_dict, invoice_check, invoice_import
from polku.municipal_share.models import KelaInvoice, KelaInvoiceLine
from polku.people.models import Person
from polku.timeline import services
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
DAILY = Decimal("37.21")
TMT = "labour_market_subsidy"
KUOPIO = "297"
HEADER = "Henkilötunnus;Etuuskuukausi;Etuus;Maksetut päivät;Kertymäpäivät;Maksettu €;Kuntaosuus %;Kuntaosuus €"


@dataclass
class Client:
    person: Person
    code: str


def benefits(person: Person, first: date, months: int, days: int = 20, benefit: str = TMT) -> None:
    for i in range(months):
        services.benefit_month_record(person=person, month=add_months(first, i), benefit_type=benefit, days=days,
                                      amount=DAILY * days)


@pytest.fixture
def client(make_person: Callable[..., Person]) -> Callable[..., Client]:
    """A Kuopio resident on subsidy Oct 2024 – Mar 2025, 20 days a month: March is days 101–120 at 10 %."""

    def factory(**kwargs: object) -> Client:
        kwargs.setdefault("municipality", KUOPIO)
        code = next_artificial_id(date(1979, 5, 5))
        person = make_person(personal_id_code=code, **kwargs)
        benefits(person, date(2024, 10, 1), 6)
        return Client(person, code)

    return factory


def line(code: str, *, month: str = "2025-03", benefit: str = "työmarkkinatuki", days: int = 20, cumulative: int | str = 120,
         paid: str = "744,20", percent: str = "10", share: str = "74,42") -> str:
    return f"{code};{month};{benefit};{days};{cumulative};{paid};{percent};{share}"


def csv(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252")


@pytest.fixture
def analyst(make_staff):
    return make_staff(Role.ANALYST, area="kuopio").user


def run(data: bytes, user, **kwargs: object) -> InvoiceCheck:
    options: dict = {"file_name": "lasku.csv", "municipality": KUOPIO, "invoice_month": MARCH, **kwargs}
    return invoice_import(data=data, user=user, **options)


def kinds(check: InvoiceCheck) -> dict[int, set[str]]:
    """Difference kinds by the invoice line they concern (0 for persons missing from the invoice)."""
    out: dict[int, set[str]] = {}
    for diff in check.reconciliation.differences:
        out.setdefault(diff.lines[0] if diff.lines else 0, set()).add(str(diff.kind))
    return out


def test_invoice_matching_polku_exactly_has_no_differences(client, analyst) -> None:
    first, second = client(), client()
    check = run(csv(line(first.code), line(second.code)), analyst)
    assert check.reconciliation.differences == ()
    summary = check.reconciliation.summary
    assert summary.invoice_municipal_eur == summary.polku_municipal_eur == Decimal("148.84")
    assert summary.difference_eur == 0
    assert (summary.matched_persons, summary.unknown_persons, summary.missing_persons) == (2, 0, 0)
    assert summary.rows_without_differences == summary.compared_rows == 2
    assert not check.rule_set_verified  # the 2025 steps are unverified until an administrator confirms them
    invoice = check.invoice
    assert (invoice.line_count, invoice.total_municipal_eur, invoice.rule_set) == (2, Decimal("148.84"),
                                                                                   "tyottomyysetuudet-2025")
    assert set(KelaInvoiceLine.objects.values_list("person_id", flat=True)) == {first.person.pk, second.person.pk}


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, area=None).user


def test_each_kind_of_difference(client, admin, make_person) -> None:
    """An administrator sees the whole register: every kind of difference, the mover's and the unknown code's too."""
    ok, days, counter, step, euros, missing = (client() for _ in range(6))
    moved = client(municipality=None)
    services.home_municipality_record(person=moved.person, municipality_code=KUOPIO, start_date=date(2020, 1, 1),
                                      end_date=date(2025, 3, 9))
    services.home_municipality_record(person=moved.person, municipality_code="765", start_date=date(2025, 3, 10))
    old_code = next_artificial_id(date(1979, 5, 5))
    benefits(make_person(personal_id_code=old_code, municipality=KUOPIO), date(2023, 1, 1), 23)  # 460 days by Nov 2024: 50 %
    unknown = next_artificial_id(date(1979, 5, 5))
    data = csv(
        line(ok.code),  # line 2
        line(days.code, days=21, cumulative=121, paid="781,41", share="78,14"),  # 3
        line(counter.code, cumulative=320, percent="", share="223,26"),  # 4: Kela's counter says step 3 (30 %)
        line(step.code, percent="20", share="148,84"),  # 5
        line(euros.code, share="80,00"),  # 6
        line(moved.code),  # 7
        line(unknown),  # 8
        line(old_code, month="2024-11", cumulative=460, percent="50", share="372,10"),  # 9: the old rule's month
    )
    check = run(data, admin)
    found = kinds(check)
    assert found == {
        3: {"days", "paid_eur", "municipal_eur"},
        4: {"counter", "step", "municipal_eur"},
        5: {"step", "municipal_eur"},
        6: {"municipal_eur"},
        7: {"municipality"},
        8: {"unknown_person"},
        9: {"rule_version"},
        0: {"missing_from_invoice"},
    }
    by_line = {(d.lines[0] if d.lines else 0, str(d.kind)): d for d in check.reconciliation.differences}
    assert by_line[(3, "days")].invoice == 21
    assert by_line[(3, "days")].polku == 20
    assert by_line[(4, "counter")].invoice == 320
    assert by_line[(4, "counter")].polku == 120
    assert "kertymä" in by_line[(4, "municipal_eur")].reason
    assert by_line[(5, "step")].invoice == "20.00 %"
    assert by_line[(5, "step")].polku == "10.00 %"
    assert "päivät ja portaat täsmäävät" in by_line[(6, "municipal_eur")].reason
    assert by_line[(7, "municipality")].polku == "765"
    assert by_line[(9, "rule_version")].polku == "tmt-2015"
    assert by_line[(0, "missing_from_invoice")].person_id == missing.person.pk
    assert by_line[(0, "missing_from_invoice")].polku == Decimal("74.42")

    summary = check.reconciliation.summary
    assert summary.unknown_persons == 1
    assert summary.missing_persons == 1
    assert summary.rows_without_differences == 1
    invoice_total = Decimal("74.42") * 3 + Decimal("78.14") + Decimal("223.26") + Decimal("148.84") + Decimal("80.00") \
        + Decimal("372.10")
    assert summary.invoice_municipal_eur == invoice_total
    # Polku: five Kuopio residents at 74.42 (ok, days, counter, step, euros), the missing one, the old rule's month;
    # the mover is billed to Sotkamo and the unknown person is nobody's.
    assert summary.polku_municipal_eur == Decimal("74.42") * 6 + Decimal("372.10")
    assert summary.difference_eur == invoice_total - summary.polku_municipal_eur
    assert check.reconciliation.summary.differences_by_kind["municipal_eur"] == 4


def test_import_is_logged_for_every_person_concerned(client, analyst) -> None:
    on_invoice, missing = client(), client()
    run(csv(line(on_invoice.code)), analyst, channel="cli")
    logged = set(AccessLog.objects.filter(action="kela_invoice_check", channel="cli").values_list("person_id", flat=True))
    assert logged == {on_invoice.person.pk, missing.person.pk}


def test_bad_file_writes_nothing(client, analyst) -> None:
    person = client()
    data = csv(line(person.code), line(person.code, days=30), line(person.code, share="800,00"), "x;y;z;1;2;3;4;5")
    with pytest.raises(ValidationFailed) as failure:
        run(data, analyst)
    fields = [e.field for e in failure.value.errors]
    assert fields[:2] == ["rivi 3: maksetut päivät", "rivi 4: kuntaosuus €"]
    assert {f.split(":")[0] for f in fields} == {"rivi 3", "rivi 4", "rivi 5"}
    assert not KelaInvoice.objects.exists()
    assert not KelaInvoiceLine.objects.exists()
    assert person.code not in str(failure.value)


def test_same_file_refused_again(client, analyst) -> None:
    data = csv(line(client().code))
    first = run(data, analyst)
    with pytest.raises(ValidationFailed) as failure:
        run(data, analyst, invoice_month=date(2025, 4, 1))
    (error,) = failure.value.errors
    assert (error.field, str(error.code)) == ("tiedosto", "duplicate")
    assert str(first.invoice.pk) in error.message
    assert KelaInvoice.objects.count() == 1


def test_identity_code_never_stored_or_returned(client, analyst) -> None:
    person = client()
    unknown = next_artificial_id(date(1979, 5, 5))
    check = run(csv(line(person.code), line(unknown)), analyst)
    dumped = json.dumps(check_as_dict(check), ensure_ascii=False)
    stored = json.dumps(list(KelaInvoiceLine.objects.values()), default=str)
    for code in (person.code, unknown):
        assert code not in dumped
        assert code not in stored
    assert person.person.last_name in dumped  # a person the analyst may see is named


def test_show_reconciles_again_against_current_facts(client, analyst) -> None:
    person = client()
    check = run(csv(line(person.code, days=21, cumulative=121, paid="781,41", share="78,14")), analyst)
    assert "days" in kinds(check)[2]
    row = person.person.benefitmonth_set.get(month=MARCH, superseded_at__isnull=True)
    services.benefit_month_record(person=person.person, month=MARCH, benefit_type=TMT, days=21, amount=Decimal("781.41"),
                                  corrects=row, reason="Kelan laskun mukaan")
    again = invoice_check(invoice_id=check.invoice.pk, user=analyst)
    assert again.reconciliation.differences == ()


def test_old_rule_invoice_with_explicit_rule(analyst, make_person) -> None:
    code = next_artificial_id(date(1979, 5, 5))
    person = make_person(personal_id_code=code, municipality=KUOPIO)
    benefits(person, date(2023, 1, 1), 24)  # through Dec 2024: counter 480, step 1 (50 %)
    data = csv(line(code, month="2024-12", cumulative=480, percent="50", share="372,10"))
    check = run(data, analyst, invoice_month=date(2025, 1, 1), rule_set="tmt-2015")
    assert check.reconciliation.differences == ()
    assert check.rule_set_verified


def test_unknown_municipality_and_rule(analyst, make_staff) -> None:
    admin = make_staff(Role.ADMIN, area=None).user
    with pytest.raises(ValidationFailed) as failure:
        run(csv(line(next_artificial_id())), admin, municipality="000", rule_set="tmt-1999")
    assert {e.field for e in failure.value.errors} == {"municipality", "rule_set"}


def test_persons_outside_the_area_are_not_reconciled(client, analyst, make_person) -> None:
    """Issue 19, finding 1: the check reconciled every line, revealing a mover's new home municipality, days and
    euros to an analyst of the area they had left, and telling registered codes from unknown ones. Now a line whose
    person is outside the user's area, and a line whose code is not in Polku at all, get the same bare answer."""
    inside = client()
    moved = client(municipality=None)
    services.home_municipality_record(person=moved.person, municipality_code=KUOPIO, start_date=date(2020, 1, 1),
                                      end_date=date(2025, 3, 9))
    services.home_municipality_record(person=moved.person, municipality_code="765", start_date=date(2025, 3, 10))
    elsewhere_code = next_artificial_id(date(1979, 5, 5))
    far = make_person(personal_id_code=elsewhere_code, municipality="765", first_names="Kaukana", last_name="Asuva")
    benefits(far, date(2024, 10, 1), 6)
    unknown = next_artificial_id(date(1979, 5, 5))
    data = csv(line(inside.code), line(moved.code), line(elsewhere_code, share="80,00"), line(unknown, share="80,00"))

    check = run(data, analyst)
    as_json = check_as_dict(check)
    outside = [d for d in as_json["differences"] if d["lines"] != [2]]
    assert [d["lines"] for d in outside] == [[3], [4], [5]]
    for difference in outside:  # one bare answer, identical but for the line number and the file's own month
        assert {k: v for k, v in difference.items() if k != "lines"} == {
            "kind": "not_in_area", "person_id": None, "person_name": None, "month": "2025-03",
            "benefit_type": TMT, "invoice": None, "polku": None, "reason": "Henkilö ei ole alueellasi.",
        }
    assert kinds(check) == {3: {"not_in_area"}, 4: {"not_in_area"}, 5: {"not_in_area"}}
    summary = check.reconciliation.summary
    assert (summary.matched_persons, summary.unknown_persons, summary.missing_persons) == (1, 3, 0)
    assert summary.polku_municipal_eur == Decimal("74.42")  # only the resident's share
    serialised = json.dumps(as_json)
    for person in (moved.person, far):
        assert str(person.pk) not in serialised
    assert "765" not in serialised
    assert "Asuva" not in serialised
    # Nothing of the outsiders is stored against the invoice, and reading them was refused, not done.
    assert set(KelaInvoiceLine.objects.filter(person_id__isnull=False).values_list("person_id", flat=True)) == {inside.person.pk}
    read = set(AccessLog.objects.filter(action="kela_invoice_check").values_list("person_id", flat=True))
    assert read == {inside.person.pk}
    refused = set(AccessLog.objects.filter(action="access_refused").values_list("person_id", flat=True))
    assert refused == {moved.person.pk, far.pk}

    # A check of the stored invoice later answers the same.
    again = invoice_check(invoice_id=check.invoice.pk, user=analyst)
    assert kinds(again) == kinds(check)


def test_probing_a_code_tells_nothing(client, analyst, make_person) -> None:
    """Uploading a one-line file cannot tell whether a code is registered elsewhere: the answer for a person of
    another area is the answer for a code nobody has, to the byte (but for the file's own id and hash)."""
    far_code = next_artificial_id(date(1979, 5, 5))
    benefits(make_person(personal_id_code=far_code, municipality="765"), date(2024, 10, 1), 6)
    nobody = next_artificial_id(date(1979, 5, 5))

    def answer(code: str) -> dict:
        out = check_as_dict(run(csv(line(code)), analyst, file_name="probe.csv"))
        out["invoice"] = {k: v for k, v in out["invoice"].items() if k not in {"id", "imported_at"}}
        return out

    assert answer(far_code) == answer(nobody)


def test_lines_of_persons_outside_the_area_are_not_loaded_as_facts(client, make_staff, make_person) -> None:
    """Loading the lines as facts wrote benefit days for persons outside the manager's area; now such a line is
    refused, or skipped when asked, in the same words as a code not in Polku."""
    from polku.timeline.models import BenefitMonth

    manager = make_staff(Role.MANAGER, area="kuopio").user
    inside = client()
    far_code = next_artificial_id(date(1979, 5, 5))
    far = make_person(personal_id_code=far_code, municipality="765")
    nobody = next_artificial_id(date(1979, 5, 5))
    data = csv(line(inside.code, days=21, paid="781,41", cumulative=121, share="78,14"), line(far_code), line(nobody))
    with pytest.raises(ValidationFailed) as failure:
        run(data, manager, as_facts=True)
    errors = {e.field: e.message for e in failure.value.errors}
    assert set(errors) == {"rivi 3: henkilötunnus", "rivi 4: henkilötunnus"}
    assert errors["rivi 3: henkilötunnus"] == errors["rivi 4: henkilötunnus"]
    assert "Polussa" not in errors["rivi 3: henkilötunnus"]
    assert not BenefitMonth.objects.filter(person=far).exists()

    check = run(data, manager, as_facts=True, skip_unknown_persons=True)
    assert check.facts is not None
    assert check.facts.skipped_lines == (3, 4)
    assert {c.person_id for c in check.facts.changes} == {inside.person.pk}
    assert not BenefitMonth.objects.filter(person=far).exists()


def test_the_upload_page_answers_the_same(client, analyst, make_person) -> None:
    """The page /kuntaosuus/kelan-laskut/ goes through the same check: a mover's new municipality, name and figures
    stay off the page, and the line reads 'ei alueellasi' like a code nobody has."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client as WebClient

    inside = client()
    moved = client(municipality=None)
    services.home_municipality_record(person=moved.person, municipality_code=KUOPIO, start_date=date(2020, 1, 1),
                                      end_date=date(2025, 3, 9))
    services.home_municipality_record(person=moved.person, municipality_code="765", start_date=date(2025, 3, 10))
    web = WebClient()
    web.force_login(analyst)
    data = csv(line(inside.code), line(moved.code, share="80,00"), line(next_artificial_id(date(1979, 5, 5))))
    response = web.post("/kuntaosuus/kelan-laskut/", {"municipality": KUOPIO, "month": "2025-03",
                                                      "file": SimpleUploadedFile("lasku.csv", data, "text/csv")})
    assert response.status_code == 201
    html = response.content.decode()
    assert html.count("ei alueellasi") == 2
    assert "Sotkamo" not in html
    assert str(moved.person.pk) not in html
