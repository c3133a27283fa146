"""``polku.web.links.person_url`` and ``{% person_url %}`` give what ``reverse`` and ``{% url %}`` give, for every
page of the product whose one argument is a person's key, under a sub-path too; and refuse what is not a person's
key or not such a page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.template import engines
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from django.urls.converters import UUIDConverter
from django.utils import translation

from polku.web.links import person_url


def _person_pages(patterns: list[Any], namespace: str = "") -> list[str]:
    """The URL names of the product whose pattern takes one argument, a UUID."""
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _person_pages(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            if len(converters) == 1 and isinstance(next(iter(converters.values())), UUIDConverter):
                names.append(namespace + entry.name)
    return sorted(set(names))


PERSON_PAGES = _person_pages(get_resolver().url_patterns)


def test_the_record_and_its_forms_are_among_the_pages() -> None:
    assert {"web:person_detail", "casework:meeting_new", "provision:referral_new",
            "portal_staff:staff_message"} <= set(PERSON_PAGES)


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_each_address_is_what_reverse_gives_also_under_a_sub_path(name: str) -> None:
    for person in (uuid.uuid4(), uuid.uuid4()):
        assert person_url(name, person) == reverse(name, args=[person])
        assert person_url(name, str(person)) == reverse(name, args=[str(person)])
    person = uuid.uuid4()
    try:
        set_script_prefix("/tyollisyys/")  # an installation served under a sub-path
        under_path = person_url(name, person)
        assert under_path == reverse(name, args=[person])
    finally:
        set_script_prefix("/")
    assert under_path == "/tyollisyys" + person_url(name, person)


def test_the_tag_writes_what_the_url_tag_writes() -> None:
    person = uuid.uuid4()
    template = engines["django"].from_string(
        "{% load polku_links %}{% person_url 'casework:meeting_new' person.pk %}|"
        "{% url 'casework:meeting_new' person.pk %}")
    ours, django = template.render({"person": {"pk": person}}).split("|")
    assert ours == django == f"/asiakastyo/henkilot/{person}/tapaaminen/"


def test_what_is_not_a_persons_key_or_page_is_refused() -> None:
    with pytest.raises(ValueError, match="badly formed"):
        person_url("web:person_detail", "../../hallinta/")
    person = uuid.uuid4()
    for other_form in (str(person).upper(), person.hex, f"{{{person}}}", f"urn:uuid:{person}"):  # reverse refuses these
        with pytest.raises(ValueError, match="as a URL writes it"):
            person_url("web:person_detail", other_form)
    with pytest.raises(NoReverseMatch):
        person_url("web:person_list", uuid.uuid4())  # a page that takes no person's key


def test_no_app_is_installed_twice() -> None:
    """A kept address is the one instance of its app: ``{% url %}`` would choose between two by the request."""
    assert all(len(namespaces) == 1 for namespaces in get_resolver().app_dict.values())


def test_the_addresses_are_kept_per_language() -> None:
    person = uuid.uuid4()
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            assert person_url("web:person_detail", person) == reverse("web:person_detail", args=[person])
