"""Timeline services: validation naming fields, append-and-correct history, nothing half-written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from polku.core.errors import ValidationFailed
from polku.people.models import Person
from polku.timeline import selectors, services
from polku.timeline.models import BenefitMonth, HomeMunicipalitySpell, JobSearchPeriod, StatusSpell
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


def codes(failure: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, str(e.code)) for e in failure.value.errors}


def test_person_create_stores_no_plain_code(make_person) -> None:
    code = next_artificial_id()
    person = make_person(personal_id_code=code)
    row = Person.objects.values().get(pk=person.pk)
    assert code not in str(row)
    assert person.birth_date == date(int("19" + code[4:6]), int(code[2:4]), int(code[:2]))
    assert services.person_find_by_personal_id(code) == person


def test_duplicate_person_refused(make_person) -> None:
    code = next_artificial_id()
    make_person(personal_id_code=code)
    with pytest.raises(ValidationFailed) as caught:
        make_person(personal_id_code=code)
    assert ("personal_id", "duplicate") in codes(caught)


def test_register_is_all_or_nothing() -> None:
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.person_register(personal_id_code=next_artificial_id(), first_names="Aino", last_name="Ahola",
                                 municipality_code="000", since=date(2024, 1, 1))
    assert ("home_municipality", "unknown") in codes(caught)
    assert Person.objects.count() == before


def test_multiple_errors_reported_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.person_create(personal_id_code="not-a-code", first_names=" ", last_name="", language="xx")
    assert {field for field, _ in codes(caught)} == {"personal_id", "first_names", "last_name", "language"}


def test_spell_order_and_overlap(make_person) -> None:
    person = make_person()
    services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1),
                                 end_date=date(2024, 3, 31))
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="employed", start_date=date(2024, 3, 31))
    assert ("start_date", "overlap") in codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="employed", start_date=date(2024, 5, 1),
                                     end_date=date(2024, 4, 1))
    assert ("end_date", "end_before_start") in codes(caught)
    services.status_spell_record(person=person, status="employed", start_date=date(2024, 4, 1))
    assert StatusSpell.objects.filter(person=person).count() == 2


def test_service_type_rules(make_person) -> None:
    person = make_person()
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="in_service", start_date=date(2024, 1, 1))
    assert ("service_type", "required") in codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="unemployed", service_type="work_trial",
                                     start_date=date(2024, 1, 1))
    assert ("service_type", "invalid") in codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="in_service", service_type="yoga",
                                     start_date=date(2024, 1, 1))
    assert ("service_type", "unknown") in codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="sleeping", start_date=date(2024, 1, 1))
    assert ("status", "unknown") in codes(caught)


def test_unknown_and_abolished_municipality(make_person) -> None:
    person = make_person(municipality=None)
    with pytest.raises(ValidationFailed) as caught:
        services.home_municipality_record(person=person, municipality_code="999", start_date=date(2024, 1, 1))
    assert ("municipality", "unknown") in codes(caught)
    # Pertunmaa (588) merged into Mäntyharju on 1.1.2025.
    with pytest.raises(ValidationFailed) as caught:
        services.home_municipality_record(person=person, municipality_code="588", start_date=date(2025, 3, 1))
    assert ("municipality", "invalid") in codes(caught)
    services.home_municipality_record(person=person, municipality_code="588", start_date=date(2020, 1, 1),
                                      end_date=date(2024, 12, 31))


def test_correction_keeps_history_and_known_at(make_person) -> None:
    person = make_person()
    original = services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1))
    before_correction = timezone.now()
    corrected = services.status_spell_record(
        person=person, status="laid_off_full", start_date=date(2024, 1, 1), corrects=original,
        reason="Lomautusilmoitus saapui jälkikäteen",
    )
    assert corrected.lineage == original.lineage
    history = selectors.fact_history(StatusSpell, original.lineage)
    assert [h.status_id for h in history] == ["unemployed", "laid_off_full"]
    assert history[0].superseded_at is not None
    assert history[0].correction_reason == "Lomautusilmoitus saapui jälkikäteen"
    assert [s.status_id for s in selectors.person_timeline(person).status_spells] == ["laid_off_full"]
    then = selectors.person_timeline(person, known_at=before_correction)
    assert [s.status_id for s in then.status_spells] == ["unemployed"]
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="employed", start_date=date(2024, 1, 1),
                                     corrects=original, reason="again")
    assert ("id", "not_current") in codes(caught)


def test_correction_requires_reason_and_rolls_back(make_person) -> None:
    person = make_person()
    original = services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1))
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="employed", start_date=date(2024, 1, 1),
                                     corrects=original, reason="  ")
    assert ("reason", "required") in codes(caught)
    original.refresh_from_db()
    assert original.superseded_at is None
    assert StatusSpell.objects.filter(person=person).count() == 1


def test_retraction(make_person) -> None:
    person = make_person()
    spell = services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1))
    services.fact_retract(fact=spell, reason="Kirjattu väärälle henkilölle")
    assert selectors.person_timeline(person).status_spells == []
    services.status_spell_record(person=person, status="employed", start_date=date(2024, 1, 1))


def test_job_search_open_end(make_person) -> None:
    person = make_person()
    period = services.job_search_open(person=person, registered_on=date(2024, 2, 5))
    with pytest.raises(ValidationFailed) as caught:
        services.job_search_open(person=person, registered_on=date(2024, 3, 1))
    assert ("registered_on", "overlap") in codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.job_search_end(period=period, ended_on=date(2024, 1, 1), end_reason="teleported")
    assert codes(caught) == {("ended_on", "end_before_start"), ("end_reason", "invalid")}
    ended = services.job_search_end(period=period, ended_on=date(2024, 6, 30), end_reason="open_market_job")
    assert ended.lineage == period.lineage
    assert JobSearchPeriod.objects.filter(person=person, superseded_at__isnull=True).get().ended_on == date(2024, 6, 30)
    services.job_search_open(person=person, registered_on=date(2024, 7, 1))


def test_benefit_days_limit_sums_all_rows(make_person) -> None:
    person = make_person()
    month = date(2024, 2, 1)  # 21 weekdays
    services.benefit_month_record(person=person, month=month, benefit_type="earnings_related_allowance", days=15,
                                  amount=Decimal("1050.00"))
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=date(2024, 2, 17), benefit_type="labour_market_subsidy",
                                      days=7, amount=Decimal("260.47"))
    assert ("days", "too_many_days") in codes(caught)
    assert "21" in caught.value.errors[0].message
    row = services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=6,
                                        amount=Decimal("223.26"))
    assert row.month == month
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=1,
                                      amount=Decimal("37.21"))
    assert ("month", "duplicate") in codes(caught)
    corrected = services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=5,
                                              amount=Decimal("186.05"), corrects=row, reason="Kelan oikaisu")
    assert BenefitMonth.objects.filter(person=person, superseded_at__isnull=True).count() == 2
    assert corrected.days == 5


def test_benefit_bad_type_and_amount(make_person) -> None:
    person = make_person()
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=date(2024, 3, 1), benefit_type="lottery", days=30,
                                      amount=Decimal("-1"))
    assert codes(caught) == {("benefit_type", "unknown"), ("amount", "invalid"), ("days", "too_many_days")}


@pytest.mark.django_db(transaction=True)
def test_database_guard_refuses_overlap_written_around_services(make_person) -> None:
    """Bulk loaders bypass the services; the database itself still refuses overlaps."""
    person = make_person()
    services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusSpell.objects.create(person=person, status_id="employed", start_date=date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        HomeMunicipalitySpell.objects.create(person=person, municipality_id="297", start_date=date(2024, 6, 1))
    # A superseded row may overlap: history is not subject to the invariant.
    StatusSpell.objects.create(person=person, status_id="employed", start_date=date(2025, 1, 1),
                               superseded_at=timezone.now())
    # Updating a row into an overlap is refused as well.
    later = StatusSpell.objects.create(person=person, status_id="employed", start_date=date(2023, 1, 1),
                                       end_date=date(2023, 6, 30))
    later.end_date = date(2024, 2, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        later.save()
    later.end_date = date(2023, 12, 31) + timedelta(days=0)
    later.save()


def test_real_codes_refused_while_artificial_only(settings) -> None:
    # 131052-308T is the population register's published example, never a person; it is refused here
    # because its individual number is outside the artificial range, and nothing is stored.
    with pytest.raises(ValidationFailed) as caught:
        services.person_create(personal_id_code="131052-308T", first_names="A", last_name="B")
    assert ("personal_id", "not_artificial") in codes(caught)
    assert Person.objects.count() == 0


def test_abolished_municipality_must_end_with_it(make_person) -> None:
    person = make_person(municipality=None)
    with pytest.raises(ValidationFailed) as caught:
        services.home_municipality_record(person=person, municipality_code="588", start_date=date(2024, 6, 1))
    assert ("end_date", "invalid") in codes(caught)
    with pytest.raises(ValidationFailed):
        services.home_municipality_record(person=person, municipality_code="588", start_date=date(2024, 6, 1),
                                          end_date=date(2025, 1, 31))


def test_correction_leaves_no_gap_in_history(make_person) -> None:
    person = make_person()
    original = services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1))
    corrected = services.status_spell_record(person=person, status="laid_off_full", start_date=date(2024, 1, 1),
                                             corrects=original, reason="lomautus")
    original.refresh_from_db()
    assert original.superseded_at == corrected.recorded_at
    for instant in (corrected.recorded_at - timedelta(microseconds=1), corrected.recorded_at):
        assert len(selectors.person_timeline(person, known_at=instant).status_spells) == 1


def test_correction_cannot_move_a_fact_to_another_person(make_person) -> None:
    first, second = make_person(), make_person()
    spell = services.status_spell_record(person=first, status="unemployed", start_date=date(2024, 1, 1))
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=second, status="unemployed", start_date=date(2024, 1, 1), corrects=spell,
                                     reason="väärä")
    assert ("id", "invalid") in codes(caught)
    spell.refresh_from_db()
    assert spell.superseded_at is None


def test_implausible_dates_refused(make_person) -> None:
    person = make_person(personal_id_code=next_artificial_id(date(1985, 4, 12)))
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="unemployed", start_date=date(1980, 1, 1),
                                     end_date=date(1980, 2, 1))
    assert ("start_date", "invalid") in codes(caught)
    far = timezone.localdate() + timedelta(days=800)
    with pytest.raises(ValidationFailed) as caught:
        services.status_spell_record(person=person, status="unemployed", start_date=far)
    assert ("start_date", "invalid") in codes(caught)
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=next_month, benefit_type="basic_allowance", days=5,
                                      amount=Decimal("186.05"))
    assert ("month", "invalid") in codes(caught)


@pytest.mark.parametrize(("amount", "days"), [(Decimal("12.345"), 1), (Decimal("NaN"), 1), (Decimal("Infinity"), 1),
                                              (Decimal("1E+400"), 1), (Decimal("500.00"), 0)])
def test_bad_amounts_refused(make_person, amount: Decimal, days: int) -> None:
    person = make_person()
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=date(2024, 3, 1), benefit_type="basic_allowance", days=days,
                                      amount=amount)
    assert ("amount", "invalid") in codes(caught)
    assert BenefitMonth.objects.filter(person=person).count() == 0


def test_benefit_correction_keeps_its_kind(make_person) -> None:
    person = make_person()
    row = services.benefit_month_record(person=person, month=date(2024, 3, 1), benefit_type="basic_allowance", days=5,
                                        amount=Decimal("186.05"))
    with pytest.raises(ValidationFailed) as caught:
        services.benefit_month_record(person=person, month=date(2024, 3, 1), benefit_type="labour_market_subsidy",
                                      days=5, amount=Decimal("186.05"), corrects=row, reason="x")
    assert ("month", "invalid") in codes(caught)


def test_register_reports_every_problem_at_once() -> None:
    code = next_artificial_id()
    with pytest.raises(ValidationFailed) as caught:
        services.person_register(personal_id_code=code[:-1] + ("X" if code[-1] != "X" else "Y"), first_names="",
                                 last_name="B", municipality_code="999", since=date(2024, 1, 1))
    assert {field for field, _ in codes(caught)} == {"home_municipality", "personal_id", "first_names"}


def test_removing_a_staff_account_empties_who_recorded_and_superseded(make_person, make_staff) -> None:
    """Who recorded a version is kept by the application, not checked by the database row by row (millions of rows
    in a register import): a staff account removed through the ORM leaves the versions, without the account."""
    from django.db import connection

    from polku.timeline.models import FactVersion

    recorder, corrector = make_staff().user, make_staff().user
    person = make_person()
    original = services.status_spell_record(person=person, status="unemployed", start_date=date(2024, 1, 1),
                                            actor=recorder)
    services.status_spell_record(person=person, status="laid_off_full", start_date=date(2024, 1, 1),
                                 corrects=original, reason="Lomautus", actor=corrector)
    assert StatusSpell.objects.get(lineage=original.lineage, superseded_at__isnull=False).superseded_by_user_id == \
        corrector.pk
    recorder.delete()
    corrector.delete()
    versions = list(StatusSpell.objects.filter(lineage=original.lineage).order_by("recorded_at"))
    assert len(versions) == 2
    assert all(v.recorded_by_id is None and v.superseded_by_user_id is None for v in versions)
    assert versions[0].superseded_at is not None
    # No foreign key of the database behind it, on any fact table; nor behind a source record's run.
    from django.apps import apps

    from polku.exchange.models import SourceRecord

    facts = [m for m in apps.get_models() if issubclass(m, FactVersion)]
    assert len(facts) >= 7
    with connection.cursor() as cursor:
        checked: list[tuple[Any, str]] = [*((m, "auth_user") for m in facts), (SourceRecord, "exchange_exchangerun")]
        for model, target in checked:
            found = connection.introspection.get_constraints(cursor, model._meta.db_table)
            assert [c for c in found.values() if c["foreign_key"] and c["foreign_key"][0] == target] == [], model
