"""Vacancies from a spreadsheet: names or codes, both header languages, Excel's encodings; all or nothing, every
problem named by its row and column."""

from __future__ import annotations

from datetime import date

import pytest

from polku.core.errors import ValidationFailed
from polku.employer_services.models import Vacancy
from polku.employer_services.vacancy_import import import_vacancies, template_header
from tests.employer_services.conftest import Scene, uri
from tests.employer_services.test_pages import signed_in

pytestmark = pytest.mark.django_db

GOOD = (
    "Y-tunnus;Tehtävänimike;Kunta;Ammatti;Vaaditut taidot;Luvat ja kortit;Kielitaito;Työaika;Paikkoja;Alkaa\r\n"
    "1572860-0;Trukinkuljettaja;297;trukinkuljettaja;kuljettaa trukkia|tehdä lastaus- ja purkutöitä;"
    "Trukkikoulutus (trukkikortti);fi:B2|en:A2;vuorotyö;2;1.2.2027\r\n"
    "1572860-0;Varastotyöntekijä;297;;pack goods;;;;;\r\n"
)


def test_rows_by_names_in_any_language_become_vacancies(scene: Scene) -> None:
    created = import_vacancies(actor=scene.job_agent.user, data=GOOD.encode("utf-8-sig"))  # Excel's UTF-8
    assert [v.title for v in created] == ["Trukinkuljettaja", "Varastotyöntekijä"]
    forklift = created[0]
    assert forklift.occupation == uri("forklift operator")
    assert forklift.required_skills == [uri("operate forklift"), uri("perform loading and unloading operations")]
    assert forklift.licences == ["forklift_training"]
    assert forklift.languages == [{"code": "fi", "level": 4}, {"code": "en", "level": 2}]
    assert (forklift.hours, forklift.positions, forklift.starts_on) == ("shifts", 2, date(2027, 2, 1))
    assert created[1].required_skills == [uri("pack goods")]  # an English name
    assert created[1].hours == "full_time"


def test_windows_1252_and_english_headers_with_commas(scene: Scene) -> None:
    text = "business_id,title,municipality,required_skills\r\n1572860-0,Työnjohtaja,297,\r\n"
    created = import_vacancies(actor=scene.job_agent.user, data=text.encode("cp1252"))
    assert [v.title for v in created] == ["Työnjohtaja"]


def test_every_problem_is_named_by_row_and_column_and_nothing_is_saved(scene: Scene) -> None:
    text = (
        "Y-tunnus;Tehtävänimike;Kunta;Vaaditut taidot;Kielitaito;Paikkoja;Alkaa\r\n"
        "1572860-0;Hyvä rivi;297;;;;\r\n"
        "1572860-0;;297;lentää;fi:Z9;kaksi;31.2.2027\r\n"
        "9999999-9;Tuntematon työnantaja;297;;;;\r\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=scene.job_agent.user, data=text.encode())
    problems = [(e.field, e.message) for e in caught.value.errors]
    fields = [field for field, _ in problems]
    assert "rivi 3: Kielitaito" in fields
    assert "rivi 3: Paikkoja" in fields
    assert "rivi 3: Alkaa" in fields
    assert "rivi 4: Y-tunnus" in fields
    assert not any(field.startswith("rivi 2") for field in fields)  # the good row has no problem …
    assert not Vacancy.objects.exists()  # … and is not saved either: all or nothing
    # Once the language, the number and the date are right, the service's own checks name the title and the skill.
    text = text.replace("fi:Z9", "fi:B1").replace("kaksi", "2").replace("31.2.2027", "1.3.2027")
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=scene.job_agent.user, data=text.encode())
    fields = [e.field for e in caught.value.errors]
    assert "rivi 3: Tehtävänimike" in fields
    assert "rivi 3: Vaaditut taidot" in fields
    assert any("lentää" in e.message for e in caught.value.errors)


def test_unknown_and_missing_columns_are_refused_before_any_row() -> None:
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=None, data=b"Y-tunnus;Palkka\r\n1572860-0;3000\r\n")
    fields = [e.field for e in caught.value.errors]
    assert fields == ["rivi 1: Palkka", "rivi 1: tehtävänimike", "rivi 1: kunta"]


def test_another_areas_employer_is_not_found(scene: Scene) -> None:
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=scene.kainuu_counsellor.user, data=GOOD.encode())
    assert {e.field for e in caught.value.errors} == {"rivi 2: Y-tunnus", "rivi 3: Y-tunnus"}


def test_the_page_imports_and_lists_problems(scene: Scene) -> None:
    client = signed_in(scene.job_agent)
    assert client.get("/tyonantajapalvelut/tyopaikat/").content.decode().count("/tyopaikat/tuonti/") == 1
    template = client.get("/tyonantajapalvelut/tyopaikat/tuonti/pohja.csv")
    assert template.content.decode("utf-8-sig") == template_header()
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post("/tyonantajapalvelut/tyopaikat/tuonti/", {
        "tiedosto": SimpleUploadedFile("t.csv", b"Y-tunnus;Tehtavanimike\r\n", content_type="text/csv")})
    assert bad.status_code == 400
    assert "rivi 1: Tehtavanimike" in bad.content.decode()
    done = client.post("/tyonantajapalvelut/tyopaikat/tuonti/", {
        "tiedosto": SimpleUploadedFile("t.csv", GOOD.encode(), content_type="text/csv")})
    assert done.status_code == 302
    assert "2 työpaikkaa tuotiin." in client.get(done["Location"]).content.decode()
    assert Vacancy.objects.count() == 2


@pytest.mark.parametrize(("data", "where"), [
    (b"Y-tunnus;Teht\x81v\x8dnimike;Kunta\r\n", "rivi 1"),  # neither UTF-8 nor Windows-1252
    ('Y-tunnus;Tehtävänimike;Kunta\r\n1572860-0;"' + "x" * 140_000 + "\r\n", "rivi"),  # a quote left open
    ("Y-tunnus;Tehtävänimike;Kunta\r\n1572860-0;Sii\x00vooja;Kuopio\r\n", "rivi 2"),  # PostgreSQL refuses a NUL
    ("Y-tunnus;Tehtävänimike;Kunta\r\n1572860-0;Siivooja;Kuopio\x1e\r\n", "rivi 2"),  # a record separator
])
def test_unreadable_files_are_named_problems_not_errors(data: bytes | str, where: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=None, data=raw)
    assert caught.value.errors[0].field.startswith(where)


def test_odd_cells_are_named_problems_and_excel_trailing_separators_are_fine(scene: Scene) -> None:
    text = (
        "Y-tunnus;Tehtävänimike;Kunta;Paikkoja;Alkaa;Haku päättyy;;\r\n"
        "1572860-0;A;297;²;1.1.99999999999999999999;1.2.27;;\r\n"
        "1572860-0;B;297;40000;1.2.2027.5;;;\r\n"
        "1572860-0;C;297;1;;;ylimääräinen;\r\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=scene.job_agent.user, data=text.encode())
    fields = [e.field for e in caught.value.errors]
    assert {"rivi 2: Paikkoja", "rivi 2: Alkaa", "rivi 2: Haku päättyy", "rivi 3: Paikkoja", "rivi 3: Alkaa",
            "rivi 4: sarake ilman otsikkoa"} <= set(fields)
    fine = "Y-tunnus;Tehtävänimike;Kunta;;\r\n1572860-0;Siivooja;297;;\r\n"
    assert [v.title for v in import_vacancies(actor=scene.job_agent.user, data=fine.encode())] == ["Siivooja"]


def test_a_column_twice_and_mother_tongue_in_any_reader_language(scene: Scene) -> None:
    from django.utils import translation

    with pytest.raises(ValidationFailed) as caught:
        import_vacancies(actor=scene.job_agent.user, data="Y-tunnus;Kunta;Kunta;Tehtävänimike\r\n".encode())
    assert [e.field for e in caught.value.errors] == ["rivi 1: Kunta"]
    text = "Y-tunnus;Tehtävänimike;Kunta;Kielitaito\r\n1572860-0;Tulkki;297;fi:äidinkieli|sv:modersmål\r\n"
    with translation.override("sv"):
        created = import_vacancies(actor=scene.job_agent.user, data=text.encode())
    assert created[0].languages == [{"code": "fi", "level": 7}, {"code": "sv", "level": 7}]
