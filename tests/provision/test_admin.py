"""The admin lists every provision model; referrals and decisions are read-only there."""

from __future__ import annotations

import pytest
from django.test import Client

from polku.access.models import Role

pytestmark = pytest.mark.django_db


def test_admin_changelists(scene, make_staff) -> None:
    client = Client()
    client.force_login(make_staff(Role.ADMIN, area=None).user)
    for model in ("serviceprovider", "serviceoffering", "employer", "kuntalisabudget", "referral", "decision"):
        assert client.get(f"/admin/provision/{model}/").status_code == 200, model
    assert client.get("/admin/provision/referral/add/").status_code == 403
    assert client.get("/admin/provision/serviceoffering/add/").status_code == 200
