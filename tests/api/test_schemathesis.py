"""Generated requests against the whole JSON API, in-process: no input may cause a server error.

schemathesis reads ``/api/openapi.json`` from the WSGI application itself (no socket, no network) and generates,
for every operation, a fixed small number of valid and of invalid requests (``POLKU_SCHEMATHESIS_EXAMPLES`` each,
default 10), derandomized so that a run is reproducible and takes well under two minutes. The signed-in user is an
administrator, the role whose requests reach furthest; every other case that names a person names a real one, so
writes get past the 404 into the services. Runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL (which refuses
what SQLite stores: NUL characters, over-long strings, out-of-range integers).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from polku.access.models import Role
from polku.core.security import LAST_SEEN_AT, SIGNED_IN_AT
from polku.open_data import builds
from polku.wsgi import application

EXAMPLES = int(os.environ.get("POLKU_SCHEMATHESIS_EXAMPLES", "10"))  # per operation and generation mode


def signed_in(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a signed-in browser session: the session cookie, the CSRF cookie and its header."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = int(time.time())  # as signing in sets them (idle/absolute limits)
    session.create()
    token = secrets.token_hex(16)
    cookies = {django_settings.SESSION_COOKIE_NAME: str(session.session_key), django_settings.CSRF_COOKIE_NAME: token}
    return cookies, {"X-CSRFToken": token}


@pytest.mark.django_db(transaction=True)
def test_generated_requests_cause_no_server_error(make_staff: Any, make_person: Any, record_property: Any) -> None:
    admin = make_staff(Role.ADMIN)
    people = [str(make_person(since=date(2021, 1, 1)).pk) for _ in range(3)]
    builds.build_now()  # the open tables, as the worker builds them (before the first build they answer 503)
    cookies, headers = signed_in(admin.user)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    serial = itertools.count()

    def real_person(case: Any) -> None:
        n = next(serial)
        if n % 2:
            return
        if case.path_parameters and "person_id" in case.path_parameters:
            case.path_parameters["person_id"] = people[n % len(people)]
        if isinstance(case.body, dict) and "person_id" in case.body:
            case.body["person_id"] = people[n % len(people)]

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would be a broken document: let it raise
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                                 phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case: Any) -> None:
                real_person(case)
                response = case.call(headers=headers, cookies=cookies)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} query={case.query!r} "
                                    f"body={str(case.body)[:300]!r} -> {response.status_code}")

            with contextlib.suppress(Unsatisfiable):  # an operation without parameters has no invalid form
                probe()

    total = sum(statuses.values())
    record_property("schemathesis_requests", total)
    record_property("schemathesis_server_errors", len(failures))
    print(f"\nschemathesis: {total} requests, by status {dict(sorted(statuses.items()))}, "  # noqa: T201
          f"server errors {len(failures)}")
    assert total > 500, "too few requests: is the schema loaded and the session signed in?"
    assert statuses[401] == 0, "the session was not recognised"
    assert not failures, "\n".join(failures)
