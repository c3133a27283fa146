"""Page tests through Django's test client: languages, login, scoping, access log, identity-code hygiene, search."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from polku.access.models import AccessLog, Role
from polku.people.models import Person
from polku.person_pages.presenters import age_on
from tests.chart_support import chart_labels, chart_specs, inline_rows
from tests.web.conftest import Scene, login

pytestmark = pytest.mark.django_db


def _detail_url(person: Person) -> str:
    return reverse("web:person_detail", kwargs={"person_id": person.pk})


def _switch(client: Any, language: str, next_url: str = "/") -> Any:
    return client.post(reverse("set_language"), {"language": language, "next": next_url}, follow=True)


# --- landing page and languages ---------------------------------------------------------------------


def test_landing_page_is_finnish_by_default(client: Any) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fi">' in html
    assert "Mitä kukin rooli voi tehdä" in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html
    for role in Role:
        assert str(role.label) in html  # a section per role


@pytest.mark.parametrize(("language", "heading", "role_label"), [
    ("sv", "Vad varje roll kan göra", "Sysselsättningshandledare"),
    ("en", "What each role can do", "Counsellor"),
    ("fi", "Mitä kukin rooli voi tehdä", "Työllisyysohjaaja"),
])
def test_language_switch_changes_the_text(client: Any, language: str, heading: str, role_label: str) -> None:
    response = _switch(client, language)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html
    assert role_label in html


def test_signed_in_user_gets_the_start_page_of_their_role(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    html = client.get("/").content.decode()
    assert "Tänään" in html
    assert "Työllisyysohjaaja · Kuopion työllisyysalue · Nuoret" in html
    assert reverse("web:person_list") in html
    assert "Mitä kukin rooli voi tehdä" not in html  # the public landing is for visitors


def test_elected_official_landing_has_no_persons_link(client: Any, scene: Scene) -> None:
    login(client, scene.elected_official)
    html = client.get("/").content.decode()
    assert "Luottamushenkilö" in html
    assert f'href="{reverse("web:person_list")}"' not in html


# --- login ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["web:person_list", "web:person_detail"])
def test_person_pages_require_login(client: Any, scene: Scene, url_name: str) -> None:
    kwargs = {"person_id": scene.client.person.pk} if url_name == "web:person_detail" else {}
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert not AccessLog.objects.exists()


def test_login_page_has_labelled_fields_and_an_error_summary(client: Any, scene: Scene) -> None:
    html = client.get(reverse("web:login")).content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    response = client.post(reverse("web:login"), {"username": "nobody", "password": "wrong"})
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'aria-invalid="true"' in html


def test_login_and_logout(client: Any, scene: Scene) -> None:
    response = client.post(reverse("web:login"), {"username": scene.counsellor.user.get_username(),
                                                   "password": "salasana-123"})
    assert response.status_code == 302
    assert "Kirjaudu ulos" in client.get("/").content.decode()
    client.post(reverse("web:logout"))
    assert "Kirjaudu sisään" in client.get("/").content.decode()


# --- scoping ----------------------------------------------------------------------------------------------


def test_counsellor_sees_own_team_client(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    list_html = client.get(reverse("web:person_list")).content.decode()
    assert "Virtanen, Aino Maria" in list_html
    assert "Ulkopuolinen" not in list_html
    assert client.get(_detail_url(scene.client.person)).status_code == 200


def test_counsellor_in_another_team_gets_403(client: Any, scene: Scene) -> None:
    login(client, scene.other_team_counsellor)
    response = client.get(_detail_url(scene.client.person))
    assert response.status_code == 403
    assert "Ei käyttöoikeutta" in response.content.decode()
    assert "Virtanen" not in response.content.decode()
    # The refused attempt is logged as refused (issue 19), never as a read.
    assert list(AccessLog.objects.filter(person_id=scene.client.person.pk).values_list("action", flat=True)) == [
        "access_refused"]


def test_manager_sees_area_and_manager_of_another_area_does_not(client: Any, scene: Scene) -> None:
    login(client, scene.manager)
    assert client.get(_detail_url(scene.client.person)).status_code == 200
    client.logout()
    login(client, scene.other_area_manager)
    assert client.get(_detail_url(scene.client.person)).status_code == 403
    assert "Virtanen" not in client.get(reverse("web:person_list")).content.decode()


def test_elected_official_gets_friendly_403_and_no_persons(client: Any, scene: Scene) -> None:
    login(client, scene.elected_official)
    for url in (reverse("web:person_list"), _detail_url(scene.client.person)):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403
        assert "vain koostetietoja" in html
        assert "Virtanen" not in html
    assert not AccessLog.objects.exists()


def test_unknown_person_is_404_with_the_layout(client: Any, scene: Scene) -> None:
    login(client, scene.dpo)
    response = client.get(reverse("web:person_detail", kwargs={"person_id": uuid.uuid4()}))
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()
    assert '<main id="main"' in response.content.decode()


# --- access log ---------------------------------------------------------------------------------------------


def test_list_logs_every_person_shown(client: Any, scene: Scene) -> None:
    login(client, scene.dpo)
    client.get(reverse("web:person_list"))
    rows = AccessLog.objects.filter(action="person_list")
    assert {row.person_id for row in rows} == {scene.client.person.pk, scene.other_client.pk}
    assert {(row.user_id, row.actor, row.channel, row.purpose) for row in rows} == {
        (scene.dpo.user.pk, scene.dpo.user.get_username(), "web", "tietosuojan valvonta"),  # the DPO's default
    }


def test_detail_logs_the_read_with_its_purpose(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    client.get(_detail_url(scene.client.person))
    client.get(_detail_url(scene.client.person), {"purpose": "tietopyynto"})
    rows = list(AccessLog.objects.filter(action="person_timeline").order_by("id"))
    assert [(r.person_id, r.user_id, r.purpose) for r in rows] == [
        (scene.client.person.pk, scene.counsellor.user.pk, "asiakastyö"),
        (scene.client.person.pk, scene.counsellor.user.pk, "rekisteröidyn tietopyyntö"),
    ]


def test_empty_search_result_logs_nothing(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    client.get(reverse("web:person_list"), {"q": "Eiketään"})
    assert not AccessLog.objects.exists()


# --- identity code hygiene ---------------------------------------------------------------------------------


def _assert_no_identity_code(response: Any, code: str) -> None:
    body = response.content.decode()
    compact = code.replace("-", "").upper()
    assert code not in body
    assert compact not in body.replace("-", "").upper()
    for url, _status in getattr(response, "redirect_chain", []):
        assert code not in url
    assert code not in response.request.get("QUERY_STRING", "")


def test_identity_code_never_appears_only_masked(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    code = scene.client.code
    detail = client.get(_detail_url(scene.client.person))
    _assert_no_identity_code(detail, code)
    assert scene.client.masked in detail.content.decode()
    _assert_no_identity_code(client.get(reverse("web:person_list")), code)
    looked_up = client.post(reverse("web:person_list"), {"personal_id": code}, follow=True)
    _assert_no_identity_code(looked_up, code)
    assert looked_up.redirect_chain == [(_detail_url(scene.client.person), 302)]
    # The individual number and check character (the part the mask hides) is nowhere in any page.
    hidden_part = code[7:]
    for response in (detail, looked_up):
        assert not re.search(rf"{re.escape(code[:7])}{re.escape(hidden_part)}", response.content.decode())


def test_identity_code_lookup_outside_scope_says_not_found(client: Any, scene: Scene) -> None:
    login(client, scene.other_team_counsellor)
    response = client.post(reverse("web:person_list"), {"personal_id": scene.client.code})
    html = response.content.decode()
    assert response.status_code == 400
    assert "ei löytynyt henkilöä" in html
    assert scene.client.code not in html
    assert 'value="' + scene.client.code not in html


def test_invalid_identity_code_is_refused_without_echo(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    bad = scene.client.code[:-1] + ("A" if scene.client.code[-1] != "A" else "B")
    html = client.post(reverse("web:person_list"), {"personal_id": bad}).content.decode()
    assert "tarkistusmerkki ei täsmää" in html or "oikeaa muotoa" in html
    assert bad not in html


def test_identity_code_lookup_is_post_only(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    html = client.get(reverse("web:person_list")).content.decode()
    form = re.search(r'<form method="(\w+)"[^>]*>(?:(?!</form>).)*name="personal_id"', html, re.S)
    assert form is not None
    assert form.group(1) == "post"


# --- search and pages ---------------------------------------------------------------------------------------


def test_search_by_name(client: Any, scene: Scene, make_person: Any) -> None:
    make_person(first_names="Pekka", last_name="Korhonen", municipality="297", team_id=scene.counsellor.team_id)
    login(client, scene.counsellor)
    html = client.get(reverse("web:person_list"), {"q": "aino virtanen"}).content.decode()
    assert "Virtanen, Aino Maria" in html
    assert "Korhonen" not in html
    html = client.get(reverse("web:person_list"), {"q": "Korhonen"}).content.decode()
    assert "Korhonen, Pekka" in html
    assert "Virtanen" not in html
    assert "Haulla ei löytynyt" in client.get(reverse("web:person_list"), {"q": "Eiketään"}).content.decode()


def test_list_shows_birth_year_municipality_and_status(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    html = client.get(reverse("web:person_list")).content.decode()
    assert "<td>1990</td>" in html
    assert "<td>Kuopio</td>" in html
    assert "<td>työssä</td>" in html
    assert "<caption" in html
    assert 'scope="col"' in html


def test_list_is_paginated(client: Any, scene: Scene, make_person: Any) -> None:
    for n in range(26):
        make_person(first_names=f"Sivu{n:02d}", last_name="Testinen", municipality="297",
                    team_id=scene.counsellor.team_id)
    login(client, scene.counsellor)
    first = client.get(reverse("web:person_list")).content.decode()
    second = client.get(reverse("web:person_list"), {"page": 2}).content.decode()
    assert "Sivu 1 / 2" in first
    assert "Sivu 2 / 2" in second
    assert AccessLog.objects.filter(action="person_list").count() == 27  # 25 + 2 shown, each logged once


def test_timeline_page_has_chart_tables_and_finnish_dates(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    html = client.get(_detail_url(scene.client.person)).content.decode()
    # The chart is drawn in the browser: the page carries its text alternative and its spec, not a picture.
    assert "<svg" not in html
    assert chart_labels(html) == {"aikajana": "Aikajana: Aino Maria Virtanen"}
    rows = list(inline_rows(chart_specs(html)["aikajana"]))
    assert {"palveluissa: työkokeilu", "avoimille työmarkkinoille", "Sotkamo", "Kuopio"} <= {r.get("label") for r in rows}
    assert sum(r["days"] for r in rows if "days" in r) == 206  # the benefit days of the table's total row
    for heading in ("Työmarkkina-asemat ja palvelut", "Kotikuntahistoria", "Työnhakujaksot",
                    "Etuuspäivät kuukausittain"):
        assert heading in html
    assert "palveluissa: työkokeilu" in html
    assert "avoimille työmarkkinoille" in html
    assert "<td>1.5.2022</td>" in html  # d.m.yyyy under fi
    assert "Sotkamo" in html
    assert "Kuopio" in html
    assert "7\xa0665,26" in html  # euros, Finnish separators
    assert f"<dd>{age_on(scene.client.person.birth_date, timezone.localdate())} v</dd>" in html


def test_timeline_labels_follow_the_language(client: Any, scene: Scene) -> None:
    login(client, scene.counsellor)
    html = _switch(client, "sv", _detail_url(scene.client.person)).content.decode()
    assert "i service: arbetsprövning" in html
    assert "till den öppna arbetsmarknaden" in html
    assert "arbetsmarknadsstöd" in html
    html = _switch(client, "en", _detail_url(scene.client.person)).content.decode()
    assert "in an activation service: work trial" in html
    assert "to the open labour market" in html
    assert "Timeline: Aino Maria Virtanen" in html


def test_person_without_facts_renders_without_chart(client: Any, scene: Scene, make_person: Any) -> None:
    bare = make_person(first_names="Tyhjä", last_name="Aikajana", municipality=None,
                       team_id=scene.counsellor.team_id)
    login(client, scene.dpo)  # without a home municipality the person is in no area: only everyone-roles see them
    html = client.get(_detail_url(bare)).content.decode()
    assert "Henkilölle ei ole kirjattu aikajanatietoja." in html
    assert chart_specs(html) == {}
    assert "data-chart-spec" not in html


# --- catalogues ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en"])
def test_catalogue_is_complete_and_compiled(language: str) -> None:
    directory = Path(settings.BASE_DIR) / "polku" / "locale" / language / "LC_MESSAGES"
    po = (directory / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    def msgstr_text(entry: str) -> str:
        # A wrapped msgstr starts with an empty "" line followed by continuation lines: join them all.
        match = re.search(r'^msgstr ((?:".*"\n?)+)', entry, re.M)
        return "".join(re.findall(r'"(.*)"', match.group(1))) if match else ""

    untranslated = [e for e in entries if "msgid_plural" not in e and not msgstr_text(e)]
    assert untranslated == []
    assert "#, fuzzy" not in po
    assert (directory / "django.mo").stat().st_mtime >= (directory / "django.po").stat().st_mtime - 5


def test_identity_code_in_name_search_is_not_kept_or_echoed(client, django_user_model) -> None:
    from polku.access.models import Role
    from polku.access.services import staff_create
    from tests.conftest import next_artificial_id

    staff = staff_create(username="hakija", password="salasana-123", role=Role.MANAGER, area_code="kuopio")
    client.force_login(staff.user)
    code = next_artificial_id()
    response = client.get("/henkilot/", {"q": code})
    assert response.status_code == 302
    assert response["Location"] == "/henkilot/"
    page = client.get("/henkilot/")
    assert code not in page.content.decode()
    assert "henkilötunnushaulla" in page.content.decode()

