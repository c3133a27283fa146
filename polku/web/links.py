"""Addresses of the site's pages, made without Django's ``reverse`` on every page.

``reverse`` costs about 70 µs a link, the same work every time: the layout's twenty links on every page, the client
record's dozen links to the client's forms, a worklist's link to each of its hundred clients. So a URL name is
reversed once per URL configuration, script prefix (an installation served under a sub-path) and language, and kept
for the life of the process. A page of one person is reversed with a stand-in key, and the person's key is put in
its place: a key is a UUID, which a URL carries as it is (no quoting), so the result is what ``reverse`` gives.

Kept addresses assume what holds here: the URL configuration does not change while the server runs, and no app is
installed twice under one namespace (``{% url %}`` would pick the instance by the request's ``current_app``).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

STAND_IN = "00000000-0000-0000-0000-000000000000"  # a UUID no person has (uuid4 never makes it)


def address(name: str) -> str:
    """``reverse(name)`` of a page that takes no argument."""
    return _reversed(name, (), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, get_language())


def person_url(name: str, person_id: uuid.UUID | str) -> str:
    """``reverse(name, args=[person_id])`` for a URL whose one argument is a person's key (a UUID, or one written
    as ``reverse`` writes it: lower case, with hyphens)."""
    key = str(person_id)
    if not isinstance(person_id, uuid.UUID) and str(uuid.UUID(key)) != key:
        raise ValueError(f"not a person's key as a URL writes it: {key!r}")
    return person_url_pattern(name).replace(STAND_IN, key)


def person_url_pattern(name: str) -> str:
    """The address of ``name`` with :data:`STAND_IN` for the person's key: a page that links to many persons (a
    worklist) puts each key in place itself."""
    return _reversed(name, (STAND_IN,), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, get_language())


@functools.lru_cache(maxsize=512)
def _reversed(name: str, args: tuple[str, ...], prefix: str, urlconf: Any, language: str | None) -> str:
    # ``prefix`` and ``language`` are the key only: reverse reads the same from the running request.
    return reverse(name, args=args, urlconf=urlconf)  # NoReverseMatch for a page that takes other arguments
