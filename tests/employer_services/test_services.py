"""Bad input to the services is refused naming the field; nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from polku.core.errors import ValidationFailed
from polku.employer_services import services
from polku.employer_services.models import CompetenceProfile, JobOffer, Vacancy
from tests.employer_services.conftest import TODAY, Scene, uri

pytestmark = pytest.mark.django_db


def fields(failure: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {error.field for error in failure.value.errors}


def test_invalid_business_id(scene: Scene) -> None:
    with pytest.raises(ValidationFailed) as failure:
        services.employer_register(actor=scene.job_agent.user, name="X Oy", business_id="1234567-8", kind="company",
                                   municipality_code="297", details=services.EmployerDetails(industry="Z"), today=TODAY)
    assert fields(failure) == {"business_id", "industry"}


def test_unknown_esco_codes_and_missing_title_and_place(scene: Scene) -> None:
    with pytest.raises(ValidationFailed) as failure:
        services.vacancy_create(actor=scene.job_agent.user, employer=scene.employer, data=services.VacancyInput(
            title=" ", municipality_code=None, occupation="00000000-no-such", required_skills=("nope",),
            licences=("pilot_licence",), languages=({"code": "xx", "level": 3},)))
    assert fields(failure) == {"title", "municipality", "occupation", "required_skills", "licences", "languages"}
    assert "nope" in str(failure.value)
    assert not Vacancy.objects.exists()


def test_offer_outside_scope_and_outcome_rules(scene: Scene) -> None:
    vacancy = services.vacancy_create(actor=scene.job_agent.user, employer=scene.employer, data=services.VacancyInput(
        title="Trukinkuljettaja", municipality_code="297", required_skills=(uri("operate forklift"),)))
    with pytest.raises(ValidationFailed) as failure:
        services.offer_send(actor=scene.job_agent.user, vacancy=vacancy, person=scene.outsider, binding=True,
                            offered_on=TODAY)
    assert fields(failure) == {"person"}
    offer = services.offer_send(actor=scene.job_agent.user, vacancy=vacancy, person=scene.licensed, binding=True,
                                offered_on=date(2026, 11, 2))
    assert offer.respond_by == date(2026, 11, 9)  # the follow-up rules' 7 days
    with pytest.raises(ValidationFailed) as failure:
        services.offer_record(actor=scene.job_agent.user, offer=offer, response="refused", outcome="refused",
                              outcome_on=None, today=TODAY)
    assert fields(failure) == {"refusal_reason", "outcome_on"}
    with pytest.raises(ValidationFailed) as failure:
        services.offer_send(actor=scene.job_agent.user, vacancy=vacancy, person=scene.licensed, binding=False,
                            offered_on=TODAY)
    assert fields(failure) == {"person"}  # one offer per vacancy and person
    assert JobOffer.objects.count() == 1


def test_profile_version_conflict(scene: Scene) -> None:
    profile = CompetenceProfile.objects.get(person=scene.licensed)
    services.profile_save(actor=scene.counsellor.user, person=scene.licensed, data=services.ProfileInput(),
                          expected_version=profile.version)
    with pytest.raises(ValidationFailed) as failure:
        services.profile_save(actor=scene.counsellor.user, person=scene.licensed, data=services.ProfileInput(),
                              expected_version=profile.version)
    assert fields(failure) == {"version"}


def test_worklist_lists_the_never_contacted_and_open_needs(scene: Scene) -> None:
    from polku.employer_services import selectors

    services.need_record(actor=scene.job_agent.user, employer=scene.employer, description="Kaksi kuljettajaa",
                         positions=2, hidden=True, noted_on=TODAY)
    items = selectors.worklist(scene.job_agent.user, TODAY)
    assert [row.employer for row in items.not_contacted] == [scene.employer]
    assert len(items.open_needs) == 1
    services.contact_record(actor=scene.job_agent.user, employer=scene.employer, kind="visit", contacted_on=TODAY,
                            today=TODAY)
    assert selectors.worklist(scene.job_agent.user, TODAY).not_contacted == []


def test_placements_after_a_wage_subsidy_count_who_is_working_on_the_follow_up_day(scene: Scene) -> None:
    """Sotkamo's indicator: of the persons whose subsidised job ended, those working ``placement_follow_up_days``
    after it (the status vocabulary's working class), for follow-up days in the last twelve months."""
    from decimal import Decimal

    from django.utils import timezone

    from polku.core.calendar import add_months
    from polku.employer_services.rules import follow_up_rules
    from polku.employer_services.selectors import placements_after_subsidy
    from polku.provision import services as provision
    from polku.timeline import services as timeline

    today = timezone.localdate()
    follow_up = follow_up_rules().placement_follow_up_days
    started = add_months(today, -10)  # six months of subsidy: ended four months ago, followed up a month ago
    ended = add_months(started, 6)
    assert ended + timedelta(days=follow_up) <= today
    for person, status in ((scene.licensed, "employed"), (scene.unlicensed, "unemployed")):
        provision.decision_create(person=person, kind="wage_subsidy", monthly_amount=Decimal(1000), months=6,
                                  start_date=started, decided_on=started, actor=scene.counsellor.user,
                                  employer=scene.employer, percent=50)
        timeline.status_spell_record(person=person, status=status, start_date=ended)
    # A subsidy still running is not followed up yet.
    provision.decision_create(person=scene.licensed, kind="wage_subsidy", monthly_amount=Decimal(1000), months=12,
                              start_date=add_months(today, -2), decided_on=add_months(today, -2),
                              actor=scene.counsellor.user, employer=scene.employer, percent=50)
    found = placements_after_subsidy(scene.job_agent.user, today)
    assert (found.ended, found.working) == (2, 1)
    assert found.by_sector["company"] == (2, 1)
    assert found.share == 0.5
    from tests.employer_services.test_pages import signed_in

    page = signed_in(scene.counsellor).get("/tyonantajapalvelut/luvut/").content.decode()
    assert f"Työssä {follow_up} päivää palkkatuen päättymisen jälkeen" in page
    assert "1 / 2 (50 %)" in page
    assert "vahvistamaton seuranta-aika" in page  # Polku's default, not a statute
    # A job agent sees aggregates only: one or two persons' later status is not shown.
    agent = signed_in(scene.job_agent).get("/tyonantajapalvelut/luvut/").content.decode()
    assert "1 / 2" not in agent
    assert "&lt; 5 / &lt; 5" in agent


def test_a_subsidy_in_pieces_is_one_job_followed_up_from_its_last_day(scene: Scene) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from polku.core.calendar import add_months
    from polku.employer_services.rules import follow_up_rules
    from polku.employer_services.selectors import placements_after_subsidy
    from polku.provision import services as provision
    from polku.timeline import services as timeline

    today = timezone.localdate()
    follow_up = follow_up_rules().placement_follow_up_days
    # Two pieces of six months, the second starting the day after the first ends; the job's last day is the day
    # before the second piece's twelfth month-day, and the follow-up falls exactly on today.
    last_day = today - timedelta(days=follow_up)
    first_start = add_months(last_day + timedelta(days=1), -12)
    second_start = add_months(first_start, 6)
    for start in (first_start, second_start):
        provision.decision_create(person=scene.licensed, kind="wage_subsidy", monthly_amount=Decimal(900), months=6,
                                  start_date=start, decided_on=start, actor=scene.counsellor.user,
                                  employer=scene.employer, percent=50)
    timeline.status_spell_record(person=scene.licensed, status="employed", start_date=today)
    found = placements_after_subsidy(scene.job_agent.user, today)
    assert (found.ended, found.working) == (1, 1)  # one person, one job, followed up today (its last day + 90)
    assert placements_after_subsidy(scene.job_agent.user, today - timedelta(days=1)).ended == 0  # not a day early


def test_the_employer_record_shows_its_subsidy_history_and_placements(scene: Scene) -> None:
    """Subsidies granted to the employer by year and kind (decisions and euros, no persons), and its own placements
    after a wage subsidy over three years; another employer's decisions are not in it."""
    from decimal import Decimal

    from django.utils import timezone

    from polku.core.calendar import add_months
    from polku.employer_services import services
    from polku.provision import services as provision
    from polku.timeline import services as timeline
    from tests.employer_services.test_pages import signed_in

    today = timezone.localdate()
    started = add_months(today, -20)
    provision.budget_set(municipality_code="297", year=today.year, amount=Decimal(50_000))
    provision.decision_create(person=scene.licensed, kind="wage_subsidy", monthly_amount=Decimal("1000.50"), months=6,
                              start_date=started, decided_on=started, actor=scene.counsellor.user,
                              employer=scene.employer, percent=50)
    timeline.status_spell_record(person=scene.licensed, status="employed", start_date=add_months(started, 6))
    provision.decision_create(person=scene.unlicensed, kind="municipal_wage_supplement", monthly_amount=Decimal(300),
                              months=4, start_date=today, decided_on=today, actor=scene.counsellor.user,
                              employer=scene.employer)
    other = services.employer_register(actor=scene.job_agent.user, name="Muu Oy", business_id="0737546-2",
                                       kind="company", municipality_code="297", details=services.EmployerDetails(),
                                       today=today)
    provision.decision_create(person=scene.unlicensed, kind="wage_subsidy", monthly_amount=Decimal(999), months=3,
                              start_date=today, decided_on=today, actor=scene.counsellor.user, employer=other,
                              percent=50)
    page = signed_in(scene.counsellor).get(f"/tyonantajapalvelut/tyonantajat/{scene.employer.pk}/").content.decode()
    assert "Tukihistoria" in page
    assert f'<th scope="row">{today.year}</th><td>kuntalisä</td><td class="num">1</td><td class="num">1\xa0200</td>' \
        in page
    assert f'<th scope="row">{started.year}</th><td>palkkatuki</td><td class="num">1</td><td class="num">6\xa0003</td>' \
        in page
    assert "2\xa0997" not in page  # the other employer's subsidy
    assert "1 / 1 (100 %)" in page  # working on the follow-up day
    agent = signed_in(scene.job_agent).get(f"/tyonantajapalvelut/tyonantajat/{scene.employer.pk}/").content.decode()
    assert "1 / 1" not in agent  # one person's later status is not shown to a reader of aggregates
    assert "piilotettu (pieni luku)" in agent
    # One subsidy's euros are one person's wage and subsidy rate: a job agent sees neither the count nor the sum.
    assert f'<th scope="row">{started.year}</th><td>palkkatuki</td><td class="num">&lt; 5</td><td class="num">–</td>' \
        in agent
    assert "6\xa0003" not in agent
    assert "1\xa0200" not in agent
