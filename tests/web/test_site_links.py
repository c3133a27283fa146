"""The layout's links, reversed once per process (``polku.web.context.site_links``), are where ``{% url %}`` would
send them: for every link, under a sub-path too, and on the page a counsellor sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix

import polku.web
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


def test_the_layout_reads_every_link_and_no_other() -> None:
    layout = (Path(polku.web.__file__).parent / "templates" / "web" / "base.html").read_text(encoding="utf-8")
    assert set(re.findall(r"site_links\.(\w+)", layout)) == set(SITE_LINKS)  # a mistyped name would be an empty link
    assert "{% url" not in layout
    assert 'href="/' not in layout  # every address through the links, so a sub-path installation gets them all


@pytest.mark.parametrize(("role", "names"), [
    (Role.COUNSELLOR, ("web:home", "casework:worklist", "web:person_list", "kpi:programme", "web:search",
                       "set_language", "web:logout", "api:openapi-view")),
    (Role.ADMIN, ("administration:index", "exchange:imports", "web:access_log")),
    (Role.MANAGER, ("casework:caseload",)),
    (Role.DPO, ("privacy:index", "web:access_log")),
    (None, ("web:login",)),
])
def test_each_roles_menu_links_where_it_did(make_staff: Callable[..., StaffProfile], role: str | None,
                                            names: tuple[str, ...]) -> None:
    client = Client()
    if role is not None:
        client.force_login(make_staff(role, area=None if role in (Role.ADMIN, Role.DPO) else "kuopio",
                                      team="Alkupalvelu" if role == Role.COUNSELLOR else None).user)
    page = client.get(reverse("web:home")).content.decode()
    for name in names:
        assert f'="{reverse(name)}"' in page, name
    assert 'href=""' not in page
    assert 'action=""' not in page
