"""The access log keeps purposes in Finnish; readers see them in their own language (``polku.access.purposes``).

A Swedish- or English-speaking client's "who viewed my data" and the data protection officer's log read the
system's own purposes translated, the action tried before a refusal's reason by its name, and what a person wrote
(a break-glass reason, an API caller's purpose) as it was written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from polku.access.models import AccessAction, AccessLog, Role
from polku.access.purposes import shown
from polku.portal.selectors import who_viewed


@pytest.mark.parametrize(("language", "logged", "expected"), [
    ("fi", "asiakastyö", "asiakastyö"),
    ("en", "asiakastyö", "client work"),
    ("sv", "oma asiointi: kuka katsoi tietojani", "e-tjänst: vem har sett mina uppgifter"),
    ("en", "ylläpito: people.Person", "administration: people.Person"),
    ("en", "break_glass: perustelu puuttui tai oli puutteellinen",
     "{break_glass}: the reason was missing or insufficient"),
    ("sv", "Asiakas soitti, oma ohjaaja lomalla", "Asiakas soitti, oma ohjaaja lomalla"),
])
def test_a_logged_purpose_is_shown_in_the_readers_language(language: str, logged: str, expected: str) -> None:
    with translation.override(language):
        assert shown(logged) == expected.replace("{break_glass}", str(AccessAction.BREAK_GLASS.label))


@given(st.text(max_size=80))
def test_free_text_without_a_known_head_is_shown_as_written(text: str) -> None:
    head = text.partition(": ")[0]
    known = {"break_glass", "ylläpito", "varmuuskopio", "suunnitelma", "oma asiointi", *AccessAction.values}
    with translation.override("en"):
        if head not in known and translation.gettext(text) == text and translation.gettext(head) == head:
            assert shown(text) == text


@pytest.mark.django_db
def test_who_viewed_reads_the_purpose_in_the_clients_language(make_person: Any, make_staff: Any) -> None:
    person = make_person()
    counsellor = make_staff(Role.COUNSELLOR)
    AccessLog.objects.create(user=counsellor.user, person_id=person.pk, action=AccessAction.PERSON_TIMELINE,
                             channel="web", purpose="asiakastyö", actor=counsellor.user.get_username())
    with translation.override("sv"):
        assert [row.purpose for row in who_viewed(person)] == ["kundarbete"]
    assert AccessLog.objects.get().purpose == "asiakastyö"  # the log itself stays as written


@pytest.mark.django_db
def test_the_officers_log_shows_purposes_and_channels_translated(make_person: Any, make_staff: Any) -> None:
    person = make_person()
    AccessLog.objects.create(person_id=person.pk, action=AccessAction.PERSON_TIMELINE, channel="api",
                             purpose="tietosuojavalvonta", actor="jarjestelma")
    client = Client()
    client.force_login(make_staff(Role.DPO, area=None).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/tietosuoja/lokit/").content.decode()
    assert "data protection supervision" in page
    assert "tietosuojavalvonta" not in page
