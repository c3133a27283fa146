"""The admin shows imported figures but offers no way to add or edit them (only an import changes them)."""

from __future__ import annotations

import pytest
from django.test import Client

from polku.public_statistics.services import pxweb_import
from tests.public_statistics.conftest import U4

pytestmark = pytest.mark.django_db


def test_admin_lists_read_only(admin_client: Client) -> None:
    pxweb_import(U4.read_bytes(), file_name=U4.name)
    page = admin_client.get("/admin/public_statistics/publicstatistic/?variable=AKTASTE")
    assert page.status_code == 200
    assert "KU765" in page.content.decode()
    assert admin_client.get("/admin/public_statistics/publicstatistic/add/").status_code == 403
    imports = admin_client.get("/admin/public_statistics/publicstatisticimport/")
    assert U4.name in imports.content.decode()
