"""Bad input to the services is refused naming the field; nothing is written."""

from __future__ import annotations

from datetime import date

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
