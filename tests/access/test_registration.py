"""Issue 19, finding 2: registering a code already in the register tells it only to those who may see the person."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from polku.access.models import AccessLog, Role
from polku.people.models import Person
from tests.api_helpers import client_for, post
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db


def body(code: str, municipality: str = "297") -> dict[str, str]:
    return {"personal_id": code, "first_names": "Aino", "last_name": "Ahola", "home_municipality": municipality,
            "home_municipality_since": "2024-01-01"}


def test_api_tells_an_entitled_user_and_logs_the_read(make_staff, make_person) -> None:
    code = next_artificial_id()
    existing = make_person(personal_id_code=code, municipality="297")
    status, answer = post(client_for(make_staff(Role.MANAGER, area="kuopio")), "/api/persons", body(code))
    assert status == 422
    assert answer["errors"] == [{"field": "personal_id", "code": "duplicate", "message": "Henkilö on jo rekisterissä."}]
    assert list(AccessLog.objects.filter(person_id=existing.pk).values_list("action", "channel")) == [
        ("api_person_create_existing", "api")]


def test_api_answers_others_as_if_nobody_were_there(make_staff, make_person) -> None:
    """A counsellor of Kuopio registering a Sotkamo resident's code was told "Henkilö on jo rekisterissä". Now they
    get a refusal with no reason, and the answer is the same as for a code whose registration is refused for them
    for any other reason; the attempt is logged against the person as refused."""
    code = next_artificial_id()
    existing = make_person(personal_id_code=code, municipality="765")
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio")
    status, answer = post(client_for(counsellor), "/api/persons", body(code))
    assert status == 403
    text = json.dumps(answer, ensure_ascii=False)
    assert "rekisterissä" not in text
    assert "duplicate" not in text
    assert code not in text
    assert answer["errors"][0]["message"] == "Henkilöä ei voi rekisteröidä. Ota tarvittaessa yhteyttä pääkäyttäjään."
    assert Person.objects.count() == 1
    rows = list(AccessLog.objects.filter(person_id=existing.pk).values_list("action", "purpose", "actor"))
    assert rows == [("access_refused", "api_person_create_existing: asiakastyö", counsellor.user.username)]


def test_api_new_person_is_registered_and_logged(make_staff) -> None:
    status, answer = post(client_for(make_staff(Role.COUNSELLOR, area="kuopio")), "/api/persons",
                          body(next_artificial_id()))
    assert status == 201
    assert AccessLog.objects.filter(person_id=answer["id"], action="api_person_create").count() == 1


def add(user: str, code: str, municipality: str = "297") -> None:
    old = sys.stdin
    sys.stdin = io.StringIO(code + "\n")
    try:
        call_command("person", "add", "--user", user, "--personal-id-stdin", "--first-names", "Aino", "--last-name",
                     "Ahola", "--municipality", municipality, "--since", "2024-01-01", stdout=io.StringIO())
    finally:
        sys.stdin = old


def test_cli_answers_the_same_way(make_staff, make_person) -> None:
    code = next_artificial_id()
    existing = make_person(personal_id_code=code, municipality="765")
    outsider = make_staff(Role.COUNSELLOR, area="kuopio").user.username
    with pytest.raises(CommandError) as refused:
        add(outsider, code)
    assert "rekisterissä" not in str(refused.value)
    assert "Henkilöä ei voi rekisteröidä" in str(refused.value)
    insider = make_staff(Role.ADMIN, area=None).user.username
    with pytest.raises(CommandError, match="Henkilö on jo rekisterissä"):
        add(insider, code, municipality="765")
    actions = list(AccessLog.objects.filter(person_id=existing.pk).order_by("id").values_list("action", "channel"))
    assert actions == [("access_refused", "cli"), ("cli_person_add_existing", "cli")]
