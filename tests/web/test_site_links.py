"""The layout's links, reversed once per process (``polku.web.context.site_links``), are where ``{% url %}`` would
send them: for every link, under a sub-path too, and on the page a counsellor sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix

from polku.access.models import Role, StaffProfile
from polku.web.context import SITE_LINKS, site_links

pytestmark = pytest.mark.django_db


def test_each_link_is_its_url_names_address_also_under_a_sub_path() -> None:
    assert dict(site_links()) == {key: reverse(name) for key, name in SITE_LINKS.items()}
    try:
        set_script_prefix("/tyollisyys/")  # an installation served under a sub-path
        under_path = dict(site_links())
        assert under_path == {key: reverse(name) for key, name in SITE_LINKS.items()}
    finally:
        set_script_prefix("/")
    assert under_path["worklist"] == "/tyollisyys" + site_links()["worklist"]
    assert len(set(site_links().values())) == len(SITE_LINKS)  # every link somewhere of its own


def test_the_counsellors_menu_links_where_it_did(make_staff: Callable[..., StaffProfile]) -> None:
    counsellor = make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    client = Client()
    client.force_login(counsellor.user)
    page = client.get(reverse("web:person_list")).content.decode()
    for name in ("web:home", "casework:worklist", "web:person_list", "kpi:programme", "web:search", "set_language",
                 "web:logout"):
        assert f'="{reverse(name)}"' in page, name
    assert 'href=""' not in page
    assert 'action=""' not in page
