"""The exchange format's generated description and sample data: up to date with the schemas, complete, and importable.

The committed ``docs/exchange-format.md`` and ``polku/exchange/samples/*.csv`` must be exactly what the schemas
generate (``polku exchange_docs --check``); the description names every field of every entity and every shipped
profile; and the sample data set imports, in each accepted file format, as an administrator and as the Kuopio area's
data steward, with the counts the data set promises — and a second import changes nothing.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from polku.access.models import Role
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting
from polku.exchange import docs
from polku.exchange.models import RunStatus
from polku.exchange.profiles import shipped_profiles
from polku.exchange.samples_data import person_codes, sample_rows
from polku.exchange.schema import entities
from polku.exchange.services import import_now
from polku.people import personal_id
from polku.people.models import Person
from polku.timeline.models import (
    BenefitMonth,
    EmploymentConditionMet,
    HomeMunicipalitySpell,
    JobSearchPeriod,
    StatusSpell,
)

DOC = Path(settings.BASE_DIR) / "docs" / docs.DOC_NAME
KUOPIO_AREA = {"297", "204", "239", "402", "686", "687", "749", "778", "844", "857", "921"}
# What the sample data set holds, per entity (rows of each file).
EXPECTED = {"persons": 5, "homes": 6, "job_searches": 5, "status_spells": 14, "benefit_months": 13,
            "employment_conditions": 2, "meetings": 8, "plans": 3, "application_reports": 4, "assignments": 4,
            "decisions": 3}
MODELS = {"homes": HomeMunicipalitySpell, "job_searches": JobSearchPeriod, "status_spells": StatusSpell,
          "benefit_months": BenefitMonth, "employment_conditions": EmploymentConditionMet, "meetings": Meeting,
          "plans": EmploymentPlan, "application_reports": ApplicationReport}


# -- generated files are current -----------------------------------------------------------------------------------


def test_committed_docs_and_samples_match_the_schemas() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("exchange_docs", "--check", stdout=out, stderr=err)  # exits 1 (SystemExit) when stale
    assert "ajan tasalla" in out.getvalue()
    assert docs.stale_files(DOC.parent) == []


def test_check_fails_on_a_stale_or_extra_file(tmp_path: Path) -> None:
    docs_dir, sample_dir = tmp_path / "docs", tmp_path / "samples"
    assert docs.write_generated(docs_dir, sample_dir)  # everything written the first time
    assert docs.stale_files(docs_dir, sample_dir) == []
    (sample_dir / "homes.csv").write_bytes(b"source_id;municipality\n")
    (sample_dir / "old_entity.csv").write_bytes(b"x\n")
    assert docs.stale_files(docs_dir, sample_dir) == [sample_dir / "homes.csv", sample_dir / "old_entity.csv"]
    docs.write_generated(docs_dir, sample_dir)
    assert docs.stale_files(docs_dir, sample_dir) == []
    assert not (sample_dir / "old_entity.csv").exists()


def test_check_command_exits_non_zero_when_stale(tmp_path: Path) -> None:
    (tmp_path / docs.DOC_NAME).write_text("# vanha\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("exchange_docs", "--check", "--docs-dir", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert exited.value.code == 1
    assert docs.DOC_NAME in err.getvalue()


# -- the description ---------------------------------------------------------------------------------------------


def _section(text: str, name: str) -> str:
    start = text.index(f"### `{name}`")
    following = text.find("\n### ", start + 1)
    return text[start:following if following != -1 else len(text)]


def test_committed_description_names_every_field_of_every_entity() -> None:
    text = DOC.read_text(encoding="utf-8")
    for e in entities().values():
        section = _section(text, e.name)
        for lang in ("sv", "en"):
            assert e.title[lang] in section
        for f in e.fields:
            assert re.search(rf"^\| `{f.name}` \| ", section, re.MULTILINE), f"{e.name}.{f.name}"
            assert f.title["fi"].replace("|", "\\|") in section
            for code in f.enum or ():
                assert f"`{code}`" in section


@pytest.mark.parametrize("language", docs.LANGUAGES)
def test_description_in_each_language(language: str) -> None:
    text = docs.render_markdown(language)
    assert "polku-exchange" in text
    assert "source_system" in text
    assert "deleted" in text
    for e in entities().values():
        assert e.title[language] in text
        for f in e.fields:
            assert f"| `{f.name}` |" in _section(text, e.name)
    for profile in shipped_profiles().values():
        assert profile.title_in(language) in text
    # The unverified example profile carries its warning; the code lists are shown.
    unverified = [p for p in shipped_profiles().values() if not p.verified]
    assert unverified
    for p in unverified:
        assert p.note_in(language) in text
    assert "`PT55` | `wage_subsidy_55`" in text


def test_description_never_shows_a_real_looking_identity_code() -> None:
    text = docs.render_markdown("fi")
    for code in re.findall(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]", text):
        assert 900 <= int(code[7:10]) <= 999, code


def test_unknown_language_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        docs.render_markdown("de")


# -- the sample data set -----------------------------------------------------------------------------------------


def test_samples_start_with_the_schema_examples_and_use_artificial_codes() -> None:
    rows = sample_rows()
    assert {name: len(r) for name, r in rows.items()} == EXPECTED
    for name, e in entities().items():
        first = rows[name][0]
        for f in e.fields:
            if f.name in {"source_id", "person_id", "personal_id", "counsellor", "end_date"} or not f.example:
                continue
            assert docs._csv_value(first[f.name], f) == f.example, f"{name}.{f.name}"
    for code in person_codes().values():
        compact = personal_id.validate(code, require_artificial=True)
        assert 900 <= int(compact[7:10]) <= 999
    homes = {r["municipality"] for r in rows["homes"]}
    assert homes <= KUOPIO_AREA
    assert "297" in homes
    assert any(r["status"] == "in_service" and r["service_type"] for r in rows["status_spells"])


def _import(tmp_path: Path, kind: str, username: str, **options: str):
    directory = tmp_path / kind
    paths = docs.sample_files(directory, kind) if kind != "committed" else sorted(docs.SAMPLE_DIR.glob("*.csv"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    return import_now(user=user, files=[(p, p.name) for p in paths], profile="polku-exchange-v1",
                      mode=options.get("mode", "delta"), scope_code=options.get("scope"))


@pytest.fixture
def admin(make_staff) -> str:
    return make_staff(Role.ADMIN, area=None).user.username


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["committed", "csv", "xlsx", "jsonl", "parquet"])
def test_sample_data_imports_in_every_format(tmp_path: Path, admin: str, kind: str) -> None:
    run = _import(tmp_path, kind, admin)
    assert run.status == RunStatus.DONE, list(run.problems.values_list("file", "row", "column", "message"))
    assert {name: c["new"] for name, c in run.counts.items()} == EXPECTED
    assert Person.objects.count() == EXPECTED["persons"]
    for name, model in MODELS.items():
        assert model._default_manager.filter(superseded_at__isnull=True).count() == EXPECTED[name], name
    assert CaseAssignment.objects.count() == EXPECTED["assignments"]
    assert CaseAssignment.objects.filter(ended_at__isnull=True).count() == 3
    # The Kela rows named their persons by identity code only, and found them.
    aino = Person.objects.get(personal_id_hash=personal_id.keyed_hash(personal_id.validate("010190-990L")))
    assert BenefitMonth.objects.filter(person=aino).count() == 4
    assert sorted(Counter(StatusSpell.objects.filter(person=aino).values_list("status_id", flat=True)).items()) == [
        ("in_service", 1), ("unemployed", 2)]
    # Importing the same files again changes nothing.
    again = _import(tmp_path / "again", kind, admin)
    assert again.status == RunStatus.DONE
    assert {name: c["unchanged"] for name, c in again.counts.items()} == EXPECTED
    assert all(c["new"] == c["changed"] == c["retracted"] == 0 for c in again.counts.values())


@pytest.mark.django_db
def test_sample_data_is_inside_the_kuopio_area_for_its_data_steward(tmp_path: Path, make_staff) -> None:
    steward = make_staff(Role.DATA_STEWARD, area="kuopio").user.username
    run = _import(tmp_path, "committed", steward, mode="full", scope="kuopio")
    assert run.status == RunStatus.DONE, list(run.problems.values_list("file", "row", "column", "message"))
    assert {name: c["new"] for name, c in run.counts.items()} == EXPECTED


@pytest.mark.django_db
def test_import_command_takes_the_sample_directory(admin: str) -> None:
    out = io.StringIO()
    files = [str(p) for p in sorted(docs.SAMPLE_DIR.glob("*.csv"))]
    call_command("import", "run", *files, "--user", admin, "--no-progress", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Tuotu.")
    assert Person.objects.count() == EXPECTED["persons"]


def test_samples_in_other_formats_on_demand(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("exchange_docs", "--samples-as", "parquet", "--out", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.parquet" for name in entities())
    with pytest.raises(ValueError, match="kind"):
        docs.sample_files(tmp_path, "ods")


@pytest.mark.django_db
def test_a_broken_sample_is_refused_whole_without_echoing_identity_codes(tmp_path: Path, admin: str) -> None:
    from django.contrib.auth import get_user_model

    directory = tmp_path / "broken"
    paths = docs.sample_files(directory, "csv")
    persons = directory / "persons.csv"
    aino = person_codes()["hlo-1"]
    persons.write_bytes(persons.read_bytes() + f"polku;hlo-6;{aino};Aino;Kaksoiskappale;;fi;basic;false;\n".encode())
    homes = directory / "homes.csv"
    homes.write_bytes(homes.read_bytes() + b"polku;koti-99;hlo-1;;999;2024-01-01;;false\n")
    user = get_user_model().objects.get(username=admin)
    run = import_now(user=user, files=[(p, p.name) for p in paths], profile="polku-exchange-v1", mode="delta",
                     scope_code=None)
    assert run.status == RunStatus.REFUSED
    problems = {(p.file, p.row, p.column) for p in run.problems.all()}
    assert ("persons.csv", 7, "personal_id") in problems
    assert ("homes.csv", 8, "municipality") in problems
    messages = " ".join(p.message for p in run.problems.all())
    for code in person_codes().values():
        assert code not in messages
        assert code[:6] + code[7:10] not in messages
    assert not Person.objects.exists()
    assert not HomeMunicipalitySpell.objects.exists()
