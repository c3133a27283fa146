"""Editing a vacancy after it was created: the form shows what it holds, a change is checked as a new vacancy is,
the employer stays, two editors do not overwrite each other, a filled vacancy is kept, another area's is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from polku.access.models import Role, StaffProfile
from polku.core.errors import AccessDenied, ValidationFailed
from polku.employer_services import services
from polku.employer_services.models import Vacancy, VacancyStatus
from tests.employer_services.conftest import Scene, uri
from tests.employer_services.test_pages import short, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def vacancy(scene: Scene) -> Vacancy:
    return services.vacancy_create(actor=scene.job_agent.user, employer=scene.employer, data=services.VacancyInput(
        title="Trukinkuljettaja", municipality_code="297", required_skills=(uri("operate forklift"),),
        licences=("forklift_training",), languages=({"code": "fi", "level": 4},), positions=2))


def _form(vacancy: Vacancy, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": vacancy.title, "municipality": "297", "hours": "full_time", "positions": "2",
        "required_skills": [short(uri("operate forklift"))], "licences": ["forklift_training"], "language_fi": "4",
        "version": str(vacancy.version), "employer": "999999"}  # an employer posted is ignored: it stays
    data.update(changes)
    return data


def test_the_form_shows_the_vacancy_and_a_change_is_saved(scene: Scene, vacancy: Vacancy) -> None:
    client = signed_in(scene.job_agent)
    page = client.get(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/").content.decode()
    assert 'value="Trukinkuljettaja"' in page
    assert f'value="{short(uri("operate forklift"))}" selected' in page
    assert 'value="forklift_training" selected' in page
    assert 'value="4" selected>B2' in page
    response = client.post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/", _form(
        vacancy, title="Trukinkuljettaja, iltavuoro", positions="3", language_fi="5",
        wished_skills=[short(uri("pick orders for dispatching"))]))
    assert response.status_code == 302
    changed = Vacancy.objects.get(pk=vacancy.pk)
    assert (changed.title, changed.positions, changed.version) == ("Trukinkuljettaja, iltavuoro", 3, 2)
    assert changed.wished_skills == [uri("pick orders for dispatching")]
    assert changed.languages == [{"code": "fi", "level": 5}]
    assert changed.employer_id == scene.employer.pk
    assert changed.updated_by == scene.job_agent.user
    shown = client.get(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/").content.decode()
    assert "Muutettu viimeksi" in shown


def test_bad_input_is_refused_naming_the_field(scene: Scene, vacancy: Vacancy) -> None:
    response = signed_in(scene.job_agent).post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/",
                                               _form(vacancy, title="", municipality=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tehtävänimike: Tehtävänimike on pakollinen." in html
    assert "Työpaikan kunta: Työpaikan kunta on pakollinen." in html
    assert Vacancy.objects.get(pk=vacancy.pk).title == "Trukinkuljettaja"
    with pytest.raises(ValidationFailed) as refused:
        services.vacancy_update(actor=scene.job_agent.user, vacancy=vacancy, data=services.VacancyInput(
            title="Trukinkuljettaja", municipality_code="297", occupation="http://data.europa.eu/esco/occupation/x"))
    assert [e.field for e in refused.value.errors] == ["occupation"]


def test_a_change_made_meanwhile_is_not_overwritten(scene: Scene, vacancy: Vacancy) -> None:
    services.vacancy_update(actor=scene.counsellor.user, vacancy=vacancy, data=services.VacancyInput(
        title="Trukkikuski", municipality_code="297"), expected_version=1)
    response = signed_in(scene.job_agent).post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/",
                                               _form(vacancy, title="Toinen nimi", version="1"))
    assert response.status_code == 400
    assert "Työpaikkaa on muutettu sillä välin" in response.content.decode()
    assert Vacancy.objects.get(pk=vacancy.pk).title == "Trukkikuski"


def test_a_filled_vacancy_is_kept_and_has_no_edit_link(scene: Scene, vacancy: Vacancy) -> None:
    services.vacancy_close(actor=scene.job_agent.user, vacancy=vacancy, status=VacancyStatus.FILLED, applicants=4,
                           outcome="")
    client = signed_in(scene.job_agent)
    assert "/muokkaa/" not in client.get(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/").content.decode()
    response = client.post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/", _form(vacancy, title="Uusi"))
    assert response.status_code == 400
    assert "sitä ei voi enää muuttaa" in response.content.decode()
    assert Vacancy.objects.get(pk=vacancy.pk).title == "Trukinkuljettaja"


def test_another_areas_job_agent_is_refused(scene: Scene, vacancy: Vacancy,
                                            make_staff: Callable[..., StaffProfile]) -> None:
    kainuu_agent = make_staff(Role.JOB_AGENT, area="kainuu")
    response = signed_in(kainuu_agent).post(f"/tyonantajapalvelut/tyopaikat/{vacancy.pk}/muokkaa/",
                                            _form(vacancy, title="Kaapattu"))
    assert response.status_code == 403
    with pytest.raises(AccessDenied):
        services.vacancy_update(actor=kainuu_agent.user, vacancy=vacancy, data=services.VacancyInput(
            title="Kaapattu", municipality_code="297"))
    assert Vacancy.objects.get(pk=vacancy.pk).title == "Trukinkuljettaja"
