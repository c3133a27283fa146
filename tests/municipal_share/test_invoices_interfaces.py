"""``polku kela_invoice`` and ``/api/kela-invoices``: same check, same errors, access denied where it must be."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from polku.access.models import AccessLog, Role
from polku.municipal_share.models import KelaInvoice
from polku.timeline import services
from tests.conftest import next_artificial_id

pytestmark = pytest.mark.django_db

HEADER = "Henkilötunnus;Etuuskuukausi;Etuus;Maksetut päivät;Kertymäpäivät;Maksettu €;Kuntaosuus %;Kuntaosuus €"


@pytest.fixture
def code(make_person) -> str:
    """A Kuopio resident on subsidy Oct 2024 – Mar 2025; March is billed at 10 % (74,42 €)."""
    value = next_artificial_id(date(1981, 8, 8))
    person = make_person(personal_id_code=value, municipality="297")
    for month in (date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1),
                  date(2025, 3, 1)):
        services.benefit_month_record(person=person, month=month, benefit_type="labour_market_subsidy", days=20,
                                      amount=Decimal("744.20"))
    return value


def invoice_bytes(code: str, share: str = "74,42", days: int = 20) -> bytes:
    return f"{HEADER}\n{code};2025-03;työmarkkinatuki;{days};120;744,20;10;{share}\n".encode("cp1252")


def cli(*args: str) -> dict:
    out = io.StringIO()
    call_command("kela_invoice", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, data: bytes, name: str = "lasku.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_import_and_show(tmp_path: Path, code: str, make_staff) -> None:
    user = make_staff(Role.ANALYST, area="kuopio").user.username
    result = cli("import", write(tmp_path, invoice_bytes(code, share="80,00")), "--municipality", "297", "--month",
                 "2025-03", "--user", user)
    assert result["summary"]["invoice_municipal_eur"] == "80.00"
    assert result["summary"]["polku_municipal_eur"] == "74.42"
    assert [d["kind"] for d in result["differences"]] == ["municipal_eur"]
    assert result["invoice"]["rule_set_verified"] is False
    shown = cli("show", "--id", str(result["invoice"]["id"]), "--user", user)
    assert shown["differences"] == result["differences"]
    assert AccessLog.objects.filter(action="kela_invoice_check", channel="cli").count() == 2
    assert code not in json.dumps(result)

    text = io.StringIO()
    call_command("kela_invoice", "show", "--id", str(result["invoice"]["id"]), "--user", user, stdout=text)
    assert "rivi 2:" in text.getvalue()
    assert "VAHVISTAMATON" in text.getvalue()


def test_cli_refuses_bad_file_listing_rows(tmp_path: Path, code: str, make_staff) -> None:
    user = make_staff(Role.ADMIN, area=None).user.username
    data = invoice_bytes(code, days=30) + f"{code};2025-03;tmt;20;1;10;744,20;900,00\n".encode()
    with pytest.raises(CommandError) as failure:
        call_command("kela_invoice", "import", write(tmp_path, data), "--municipality", "297", "--month", "2025-03",
                     "--user", user, stdout=io.StringIO())
    message = str(failure.value)
    assert "rivi 2: maksetut päivät:" in message
    assert "rivi 3: kuntaosuus €:" in message
    assert code not in message
    assert not KelaInvoice.objects.exists()


@pytest.mark.parametrize(("role", "area"), [(Role.ELECTED_OFFICIAL, "kuopio"), (Role.COUNSELLOR, "kuopio"),
                                            (Role.ANALYST, "kainuu-trial")])
def test_cli_access_denied(tmp_path: Path, code: str, make_staff, role: str, area: str) -> None:
    user = make_staff(role, area=area).user.username
    with pytest.raises(CommandError, match="oikeutta"):
        call_command("kela_invoice", "import", write(tmp_path, invoice_bytes(code)), "--municipality", "297",
                     "--month", "2025-03", "--user", user, stdout=io.StringIO())
    assert not KelaInvoice.objects.exists()


def upload(client: Client, data: bytes, **fields: str) -> tuple[int, dict]:
    form = {"municipality": "297", "month": "2025-03", **fields}
    response = client.post("/api/kela-invoices", {**form, "file": SimpleUploadedFile("lasku.csv", data, "text/csv")})
    return response.status_code, response.json()


def logged_in(make_staff, role: str, area: str | None = "kuopio") -> Client:
    client = Client()
    client.force_login(make_staff(role, area=area).user)
    return client


def test_api_upload_and_get(code: str, make_staff) -> None:
    client = logged_in(make_staff, Role.MANAGER)
    status, body = upload(client, invoice_bytes(code))
    assert status == 201, body
    assert body["differences"] == []
    assert body["summary"]["difference_eur"] == "0.00"
    assert code not in json.dumps(body)
    response = client.get(f"/api/kela-invoices/{body['invoice']['id']}")
    assert response.status_code == 200
    assert response.json()["summary"] == body["summary"]
    assert client.get("/api/kela-invoices/999999").status_code == 404
    assert AccessLog.objects.filter(action="kela_invoice_check", channel="api").count() == 2

    status, again = upload(client, invoice_bytes(code))
    assert status == 422
    assert again["errors"][0]["field"] == "tiedosto"
    assert again["errors"][0]["code"] == "duplicate"


def test_api_refuses_bad_rows_with_every_line(code: str, make_staff) -> None:
    client = logged_in(make_staff, Role.ADMIN, area=None)
    broken = code[:-1] + ("Y" if code[-1] != "Y" else "X")
    data = invoice_bytes(code, days=24) + f"{broken};2025-3;peruspäiväraha;20;;100,00;;10,00\n".encode("cp1252")
    status, body = upload(client, data)
    assert status == 422
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("rivi 2: maksetut päivät", "invalid"), ("rivi 3: henkilötunnus", "invalid_checksum"),
    ]
    assert code not in json.dumps(body)
    assert broken not in json.dumps(body)
    assert not KelaInvoice.objects.exists()


def test_api_access_denied_for_elected_official(code: str, make_staff) -> None:
    manager = logged_in(make_staff, Role.MANAGER)
    status, body = upload(manager, invoice_bytes(code))
    assert status == 201
    official = logged_in(make_staff, Role.ELECTED_OFFICIAL)
    status, denied = upload(official, invoice_bytes(code, share="74,41"))
    assert status == 403
    assert denied["errors"][0]["code"] == "forbidden"
    response = official.get(f"/api/kela-invoices/{body['invoice']['id']}")
    assert response.status_code == 403
    assert KelaInvoice.objects.count() == 1
    assert not AccessLog.objects.filter(user__staff_profile__role=Role.ELECTED_OFFICIAL).exists()


def test_openapi_documents_the_routes() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    post = paths["/api/kela-invoices"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "403", "422"} <= set(post["responses"])
    assert "get" in paths["/api/kela-invoices/{invoice_id}"]
