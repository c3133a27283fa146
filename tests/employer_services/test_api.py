"""The API of employer services: bad input names the field; the candidate list is logged per person."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from polku.access.models import AccessAction, AccessLog
from tests.api_helpers import client_for, error_fields, post
from tests.employer_services.conftest import Scene, uri

pytestmark = pytest.mark.django_db
BASE = "/api/employer-services"


def test_bad_input_names_the_field(scene: Scene) -> None:
    client = client_for(scene.job_agent)
    status, body = post(client, f"{BASE}/employers", {"name": "X Oy", "business_id": "1234567-8"})
    assert status == 422
    assert ("business_id", "invalid_checksum") in error_fields(body)
    status, body = post(client, f"{BASE}/vacancies", {"employer_id": scene.employer.pk, "title": "",
                                                      "required_skills": ["not-an-esco-code"]})
    assert status == 422
    assert {("title", "required"), ("municipality", "required"), ("required_skills", "unknown")} <= error_fields(body)


def test_vacancy_candidates_offer_outcome_figures(scene: Scene) -> None:
    client = client_for(scene.job_agent)
    status, vacancy = post(client, f"{BASE}/vacancies", {
        "employer_id": scene.employer.pk, "title": "Trukinkuljettaja", "municipality": "297",
        "occupation": uri("forklift operator"), "required_skills": [uri("operate forklift")],
        "licences": ["forklift_training"]})
    assert status == 201
    candidates = client.get(f"{BASE}/vacancies/{vacancy['id']}/candidates").json()
    assert [c["person_id"] for c in candidates] == [str(scene.licensed.pk), str(scene.unlicensed.pk)]
    assert candidates[1]["missing_licences"] == ["forklift_training"]
    assert [c["presentable_to_employer"] for c in candidates] == [False, False]  # no consent given
    assert {part["part"] for part in candidates[0]["breakdown"]} >= {"required_skills", "licences", "occupation"}
    assert AccessLog.objects.filter(action=AccessAction.API_CANDIDATE_LIST).count() == 2

    status, body = post(client, f"{BASE}/offers", {"vacancy_id": vacancy["id"], "person_id": str(scene.outsider.pk),
                                                   "offered_on": timezone.localdate()})
    assert status == 422
    assert error_fields(body) == {("person_id", "forbidden")}
    status, offer = post(client, f"{BASE}/offers", {"vacancy_id": vacancy["id"], "person_id": str(scene.licensed.pk),
                                                    "offered_on": timezone.localdate(), "binding": True})
    assert status == 201
    response = client.put(f"{BASE}/offers/{offer['id']}", data=json.dumps({
        "response": "accepted", "outcome": "hired", "outcome_on": str(timezone.localdate()),
        "version": offer["version"]}), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["outcome"] == "hired"
    figures = client.get(f"{BASE}/figures").json()
    assert (figures["offers"], figures["hired"], figures["profile_coverage"]) == (1, 1, 1.0)


def test_skill_suggestions_mark_negations(scene: Scene) -> None:
    response = client_for(scene.counsellor).post(
        f"{BASE}/skill-suggestions", data=json.dumps({"text": "Minulla ei ole ajokorttia, mutta trukkikortti on."}),
        content_type="application/json")
    assert response.status_code == 200
    counted = {row["label_en"]: row["counted"] for row in response.json()}
    assert counted["drive vehicles"] is False
    assert counted["Forklift training (forklift card)"] is True


def test_writing_a_competence_profile_is_logged_as_a_write_and_reading_as_a_read(scene: Scene) -> None:
    client = client_for(scene.counsellor)
    url = f"/api/persons/{scene.licensed.pk}/competence-profile"
    profile = client.get(url).json()
    response = client.put(url, data=json.dumps({**profile, "skills": [uri("operate forklift")]}),
                          content_type="application/json")
    assert response.status_code == 200, response.content
    actions = list(AccessLog.objects.filter(person_id=scene.licensed.pk, action__startswith="api_competence")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == [AccessAction.API_COMPETENCE_PROFILE, AccessAction.API_COMPETENCE_PROFILE_EDIT]


def test_vacancy_change_is_checked_and_versioned(scene: Scene) -> None:
    client = client_for(scene.job_agent)
    status, vacancy = post(client, f"{BASE}/vacancies", {
        "employer_id": scene.employer.pk, "title": "Trukinkuljettaja", "municipality": "297"})
    assert (status, vacancy["version"]) == (201, 1)
    url = f"{BASE}/vacancies/{vacancy['id']}"
    changed = client.put(url, data=json.dumps({"title": "Trukinkuljettaja, yövuoro", "municipality": "297",
                                               "positions": 2, "version": 1}), content_type="application/json")
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["version"]) == ("Trukinkuljettaja, yövuoro", 2)
    stale = client.put(url, data=json.dumps({"title": "Vanha", "municipality": "297", "version": 1}),
                       content_type="application/json")
    assert stale.status_code == 422
    assert ("version", "conflict") in error_fields(stale.json())
    bad = client.put(url, data=json.dumps({"title": "", "municipality": "297", "licences": ["no_such_card"],
                                           "version": 2}), content_type="application/json")
    assert bad.status_code == 422
    assert {("title", "required"), ("licences", "unknown")} <= error_fields(bad.json())
    unversioned = client.put(url, data=json.dumps({"title": "Ilman versiota", "municipality": "297"}),
                             content_type="application/json")
    assert unversioned.status_code == 422  # no last-writer-wins: the version read is required
