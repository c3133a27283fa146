"""The data protection officer's access-log page: who may open it, and its filters."""

from __future__ import annotations

import pytest
from django.test import Client

from polku.access.models import AccessAction, AccessLog, Role
from polku.access.services import log_person_reads

pytestmark = pytest.mark.django_db


def test_dpo_sees_and_filters_the_log(make_staff, make_person) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio")
    first, second = make_person(municipality="297"), make_person(municipality="297")
    log_person_reads(user=counsellor.user, person_ids=[first.pk, second.pk], action=AccessAction.PERSON_TIMELINE,
                     purpose="asiakastyö")
    client = Client()
    client.force_login(make_staff(Role.DPO, area=None).user)
    html = client.get("/tietosuoja/lokit/").content.decode()
    assert str(first.pk) in html
    assert str(second.pk) in html
    filtered = client.get("/tietosuoja/lokit/", {"person": str(first.pk)}).content.decode()
    assert str(first.pk) in filtered
    assert str(second.pk) not in filtered
    invalid = client.get("/tietosuoja/lokit/", {"person": "not-a-uuid", "since": "31.2.2025"})
    assert invalid.status_code == 200
    assert 'role="alert"' in invalid.content.decode()


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.MANAGER, Role.ELECTED_OFFICIAL])
def test_other_roles_are_refused(make_staff, role: str) -> None:
    client = Client()
    client.force_login(make_staff(role, area="kuopio").user)
    assert client.get("/tietosuoja/lokit/").status_code == 403
    assert AccessLog.objects.count() == 0
