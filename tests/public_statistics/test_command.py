"""``polku pxweb``: import with and without ``--json``, field-named refusals, and the PxWeb query template."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from polku.public_statistics.management.commands.pxweb import Command
from polku.public_statistics.models import PublicStatistic, PublicStatisticImport
from tests.public_statistics.conftest import R5, U4, document, encode

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("pxweb", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run_from_argv`` closes every connection when done, which would close the test database's too."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run_as_from_shell(*args: str) -> tuple[int, str, str]:
    """As ``polku pxweb …`` runs it: errors go to standard error and end the process with status 1."""
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)
    try:
        command.run_from_argv(["polku", "pxweb", *args])
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_import_prints_a_summary() -> None:
    text, _err = run("import", str(R5))
    assert text.startswith("Taulu 12r5: 120 solua tallennettu (uusia 120, korvattuja 0, ilman arvoa 0), 5 aluetta, "
                           "2021M01–2021M12.")
    assert "ei virallisia lukuja" in text
    assert PublicStatistic.objects.count() == 120


def test_import_json_result(make_staff: Callable[..., Any]) -> None:
    user = make_staff().user
    out, _err = run("import", str(U4), "--table", "12u4", "--json", "--user", user.username)
    result = json.loads(out)
    assert {k: result[k] for k in ("table", "cells", "created", "replaced", "missing_values")} == {
        "table": "12u4", "cells": 180, "created": 180, "replaced": 0, "missing_values": 1}
    assert (result["first_month"], result["last_month"], result["warnings"]) == ("2021M01", "2021M12", [])
    record = PublicStatisticImport.objects.get()
    assert (record.file_name, record.imported_by) == (U4.name, user)


def test_import_warns_of_unknown_municipality(write_file: Callable[..., Path]) -> None:
    doc = document(R5)
    areas = doc["dimension"]["Alue"]["category"]["index"]
    doc["dimension"]["Alue"]["category"]["index"] = {("KU999" if k == "KU105" else k): v for k, v in areas.items()}
    text, _err = run("import", str(write_file(encode(doc))))
    assert "Varoitus: dimension.Alue.category.index: Kuntanumeroa 999 (KU999) ei ole Polun kuntaluettelossa" in text


def test_refused_file_names_the_field(write_file: Callable[..., Path]) -> None:
    doc = document(R5)
    doc["value"].pop()
    path = write_file(encode(doc))
    with pytest.raises(CommandError, match=r"^value: Arvoja on 119, mutta ulottuvuuksien koot antavat 120 solua\.$"):
        run("import", str(path))
    with pytest.raises(CommandError, match=r"^file: tiedostoa ei voi lukea"):
        run("import", str(path.with_name("puuttuu.json")))
    with pytest.raises(CommandError, match=r"^table: Tiedosto on taulusta 12r5, ei taulusta 12u4\.$"):
        run("import", str(R5), "--table", "12u4")
    with pytest.raises(CommandError, match=r"^--user: tuntematon käyttäjä 'eikukaan'"):
        run("import", str(R5), "--user", "eikukaan")
    assert not PublicStatistic.objects.exists()


def test_refusal_as_json_on_standard_error(write_file: Callable[..., Path]) -> None:
    status, out, err = run_as_from_shell("import", str(write_file(b"{\"version\": \"2.0\"")), "--json")
    assert (status, out) == (1, "")
    errors = json.loads(err)["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("tiedosto", "invalid")]
    assert errors[0]["message"].startswith("Tiedosto ei ole JSONia")

    status, _out, err = run_as_from_shell("import", str(R5), "--table", "12u4")
    assert status == 1
    assert "table: Tiedosto on taulusta 12r5" in err
    assert not PublicStatistic.objects.exists()


@pytest.mark.parametrize(("table", "dimensions"), [
    ("12r5", ["Alue", "Kuukausi", "Tiedot"]),
    ("12u4", ["Alue", "Sukupuoli", "Ikäryhmät", "Kuukausi", "Tiedot"]),
])
def test_query_template(table: str, dimensions: list[str]) -> None:
    out, err = run("query-template", "--table", table, "--municipality", "765", "--municipality", "SSS",
                   "--from", "2021M01", "--to", "2021M12")
    query = json.loads(out)
    assert [q["code"] for q in query["query"]] == dimensions
    selections = {q["code"]: q["selection"]["values"] for q in query["query"]}
    assert selections["Alue"] == ["KU765", "SSS"]
    assert len(selections["Kuukausi"]) == 12
    assert query["response"]["format"] == "json-stat2"
    assert f"https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/tyonv/statfin_tyonv_pxt_{table}.px" in err
    assert "curl" in err


def test_query_template_variables_and_refusals() -> None:
    out, err = run("query-template", "--table", "12u4", "--municipality", "765", "--from", "2021M01", "--to",
                   "2021M01", "--variable", "KUNTTYOLOP", "--json")
    assert json.loads(out)["query"][-1]["selection"]["values"] == ["KUNTTYOLOP"]
    assert err == ""
    with pytest.raises(CommandError, match=r"^--from: '2021-01' ei ole kuukausi muotoa 2021M12\.$"):
        run("query-template", "--table", "12r5", "--municipality", "765", "--from", "2021-01", "--to", "2021M12")
    status, _out, err = run_as_from_shell("query-template", "--table", "12x9", "--municipality", "765", "--from",
                                          "2021M01", "--to", "2021M12", "--json")
    assert status == 1
    assert json.loads(err)["errors"][0]["field"] == "--table"
