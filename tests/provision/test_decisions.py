"""Decisions, employers and the kuntalisä budget: each rule refused with its field, nothing half-written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from polku.access.models import Role
from polku.core.errors import AccessDenied, ValidationFailed
from polku.provision import rules, selectors, services
from polku.provision.models import Decision, Employer, KuntalisaBudget

pytestmark = pytest.mark.django_db

COMPANY_ID = "1572860-0"
ASSOCIATION_ID = "0201256-6"


def fields(failure: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, str(e.code)) for e in failure.value.errors}


@pytest.fixture
def sotkamo(make_staff, make_person):
    """A Kainuu counsellor and a client who has lived in Sotkamo since 2020."""
    counsellor = make_staff(Role.COUNSELLOR, area="kainuu", team="Sotkamo")
    return counsellor.user, make_person(municipality="765", since=date(2020, 1, 1), team_id=counsellor.team_id)


@pytest.fixture
def company(db) -> Employer:
    return services.employer_create(name="Sotkamon Kone Oy", business_id=COMPANY_ID, municipality_code="765")


@pytest.fixture
def association(db) -> Employer:
    return services.employer_create(name="Vuokatin Urheiluseura ry", business_id=ASSOCIATION_ID, kind="association")


def decide(actor, person, **overrides) -> Decision:
    arguments: dict[str, Any] = {"kind": "wage_subsidy", "percent": 50, "monthly_amount": Decimal("1260.00"), "months": 10,
                 "start_date": date(2022, 3, 1), "decided_on": date(2022, 2, 15)} | overrides
    return services.decision_create(person=person, actor=actor, **arguments)


def test_employer_business_id_validated_and_stored_compact(db) -> None:
    employer = services.employer_create(name="Oy Esimerkki Ab", business_id=" 15728600 ")
    assert employer.business_id == COMPANY_ID
    with pytest.raises(ValidationFailed) as caught:
        services.employer_create(name="Toinen Oy", business_id="1572860-1")
    assert fields(caught) == {("business_id", "invalid_checksum")}
    with pytest.raises(ValidationFailed) as caught:
        services.employer_create(name="", business_id="12-34", kind="pirate", municipality_code="999")
    assert fields(caught) == {("name", "required"), ("business_id", "invalid"), ("kind", "invalid"),
                              ("municipality", "unknown")}
    with pytest.raises(ValidationFailed) as caught:
        services.employer_create(name="Sama Oy", business_id=COMPANY_ID)
    assert fields(caught) == {("business_id", "duplicate")}
    assert Employer.objects.count() == 1


def test_provider_business_id_optional_but_validated(db) -> None:
    assert services.provider_create(name="Sotkamon kunta", kind="municipal", area_code="kainuu").business_id == ""
    with pytest.raises(ValidationFailed) as caught:
        services.provider_create(name="X", kind="public", area_code="nowhere", business_id="1572860-1")
    assert fields(caught) == {("kind", "invalid"), ("area", "unknown"), ("business_id", "invalid_checksum")}


def test_wage_subsidy_percent(sotkamo, company, association) -> None:
    actor, person = sotkamo
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, employer=company, percent=100)
    assert fields(caught) == {("percent", "invalid")}
    assert "Sotkamon Kone Oy on yritys" in caught.value.errors[0].message
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, employer=company, percent=60)
    assert fields(caught) == {("percent", "invalid")}
    assert "HE 175/2022" in caught.value.errors[0].message
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, employer=None, percent=None)
    assert fields(caught) == {("employer", "required"), ("percent", "required")}
    assert not Decision.objects.exists()

    full = decide(actor, person, employer=association, percent=100, monthly_amount=Decimal("2020.00"))
    assert (full.percent, full.total, full.municipality_id, full.decided_by) == (100, Decimal("20200.00"), "765", actor)
    assert decide(actor, person, employer=company, percent=70).percent == 70


def test_start_up_grant(sotkamo, company) -> None:
    actor, person = sotkamo
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, kind="start_up_grant", percent=None, months=13)
    assert fields(caught) == {("months", "invalid")}
    assert "enintään 12 kuukautta" in caught.value.errors[0].message
    assert rules.rule("start_up_grant_months").verified is False
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, kind="start_up_grant", percent=50, employer=company, months=0)
    assert fields(caught) == {("employer", "invalid"), ("percent", "invalid"), ("months", "invalid")}
    grant = decide(actor, person, kind="start_up_grant", percent=None, months=12, monthly_amount=Decimal("37.21"))
    assert grant.total == Decimal("446.52")


def test_amount_kind_and_scope(sotkamo, company, make_staff) -> None:
    actor, person = sotkamo
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, employer=company, monthly_amount=Decimal("-1"))
    assert fields(caught) == {("monthly_amount", "invalid")}
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, kind="bonus")
    assert fields(caught) == {("kind", "invalid")}
    with pytest.raises(AccessDenied):
        decide(make_staff(Role.COUNSELLOR, area="kuopio").user, person, employer=company)
    with pytest.raises(AccessDenied):
        decide(make_staff(Role.ANALYST, area="kainuu").user, person, employer=company)
    assert not Decision.objects.exists()


def test_kuntalisa_budget_committed_and_available(sotkamo, company, association) -> None:
    """Sotkamo 2022: a 50 000 € budget (Sotkamon työllisyysohjelma 2022–2025)."""
    actor, person = sotkamo
    services.budget_set(municipality_code="765", year=2022, amount=Decimal("50000"))
    services.budget_set(municipality_code="765", year=2023, amount=Decimal("50000"))
    kuntalisa = {"kind": "municipal_wage_supplement", "percent": None}
    decide(actor, person, employer=company, monthly_amount=Decimal("500.00"), months=10, **kuntalisa)
    decide(actor, person, employer=association, monthly_amount=Decimal("450.00"), months=10, **kuntalisa)
    decide(actor, person, employer=company, decided_on=date(2023, 1, 2), monthly_amount=Decimal("700"), **kuntalisa)
    decide(actor, person, employer=company)  # a wage subsidy is not charged to the budget

    status = selectors.budget_status("765", 2022)
    assert (status.amount, status.committed, status.available) == (Decimal("50000.00"), Decimal("9500.00"),
                                                                   Decimal("40500.00"))

    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, employer=company, monthly_amount=Decimal("1125.01"), months=36, **kuntalisa)
    assert fields(caught) == {("monthly_amount", "invalid")}
    assert caught.value.errors[0].message == (
        "Kuntalisän budjetti ei riitä: päätös yhteensä 40 500,36 €, jäljellä 40 500,00 € (765 Sotkamo, vuosi 2022).")
    assert Decision.objects.count() == 4
    assert selectors.budget_status("765", 2022).committed == Decimal("9500.00")

    exactly = decide(actor, person, employer=company, monthly_amount=Decimal("1125.00"), months=36, **kuntalisa)
    assert exactly.total == Decimal("40500.00")
    assert selectors.budget_status("765", 2022).available == Decimal("0.00")


def test_kuntalisa_needs_a_budget_and_a_paying_municipality(sotkamo, company, make_person) -> None:
    actor, person = sotkamo
    kuntalisa = {"kind": "municipal_wage_supplement", "percent": None, "employer": company}
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, **kuntalisa)
    assert fields(caught) == {("municipality", "invalid")}
    assert selectors.budget_status("765", 2022).amount is None
    with pytest.raises(ValidationFailed) as caught:
        decide(actor, person, decided_on=date(2019, 6, 1), **kuntalisa)  # before the person lived in Sotkamo
    assert fields(caught) == {("municipality", "required")}
    services.budget_set(municipality_code="205", year=2022, amount=Decimal("20000"))
    charged = decide(actor, person, municipality_code="205", **kuntalisa)  # Kajaani pays
    assert charged.municipality_id == "205"
    assert selectors.budget_status("205", 2022).committed == Decimal("12600.00")
    assert selectors.budget_status("765", 2022).committed == Decimal("0.00")


def test_budget_set(sotkamo, company) -> None:
    actor, person = sotkamo
    budget = services.budget_set(municipality_code="765", year=2022, amount=Decimal("50000"))
    assert services.budget_set(municipality_code="765", year=2022, amount=Decimal("60000")).pk == budget.pk
    decide(actor, person, employer=company, kind="municipal_wage_supplement", percent=None,
           monthly_amount=Decimal("500"), months=10)
    with pytest.raises(ValidationFailed) as caught:
        services.budget_set(municipality_code="765", year=2022, amount=Decimal("4999.99"))
    assert fields(caught) == {("amount", "invalid")}
    with pytest.raises(ValidationFailed) as caught:
        services.budget_set(municipality_code="000", year=1999, amount=Decimal("-5"))
    assert fields(caught) == {("municipality", "unknown"), ("year", "invalid"), ("amount", "invalid")}
    assert KuntalisaBudget.objects.get().amount == Decimal("60000.00")
