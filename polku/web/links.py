"""Addresses of one person's pages, made without Django's ``reverse`` for each person.

The client record links to a dozen pages of the client (record a meeting, edit the plan, refer to a service, …), and
a worklist to the record of each of its hundred clients. ``reverse`` costs about 70 µs a link, the same work every
time for addresses that differ only in the person. So each URL name is reversed once per URL configuration and
script prefix (an installation served under a sub-path), with a stand-in key, and the person's key is put in its
place. A person's key is a UUID, which a URL carries as it is (no quoting), so the result is what ``reverse`` gives.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

STAND_IN = "00000000-0000-0000-0000-000000000000"  # a UUID no person has (uuid4 never makes it)


def person_url(name: str, person_id: uuid.UUID | str) -> str:
    """``reverse(name, args=[person_id])`` for a URL whose one argument is a person's key."""
    key = str(person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(person_id))  # as reverse writes it
    return person_url_pattern(name).replace(STAND_IN, key)


def person_url_pattern(name: str) -> str:
    """The address of ``name`` with :data:`STAND_IN` for the person's key: a page that links to many persons (a
    worklist) puts each key in place itself."""
    return _pattern(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _pattern(name: str, prefix: str, urlconf: Any) -> str:
    # ``prefix`` is the key only: reverse reads the same script prefix from the running request.
    return reverse(name, args=[STAND_IN], urlconf=urlconf)  # NoReverseMatch for a page that takes no person's key
