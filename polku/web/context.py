"""Template context shared by every page: who is logged in, in which role, what the menu offers, and where the
layout's links go."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from polku.access.policy import Capability, allows, staff_profile

# The layout's links (the menu, the search, the language switch, signing in and out), by the name the base template
# reads them as (``site_links.worklist``), each the URL name it goes to.
SITE_LINKS = {
    "home": "web:home", "worklist": "casework:worklist", "caseload": "casework:caseload",
    "persons": "web:person_list", "programme": "kpi:programme", "employer_services": "employer_services:worklist",
    "service_change": "portal_staff:service_change", "reports": "reports:list", "services": "provision:catalogue",
    "forecast": "forecast:forecast", "share": "municipal_share:share", "imports": "exchange:imports",
    "access_log": "web:access_log", "privacy": "privacy:index", "open_data": "open_data:index",
    "administration": "administration:index", "search": "web:search", "set_language": "set_language",
    "login": "web:login", "logout": "web:logout", "api_docs": "api:openapi-view",
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    profile = staff_profile(user)
    return {
        "staff_profile": profile,
        "can_see_persons": allows(user, Capability.VIEW_PERSONS),
        "can_see_worklist": allows(user, Capability.VIEW_WORKLIST),
        "can_see_caseload": allows(user, Capability.VIEW_CASELOAD),
        "can_use_employer_services": allows(user, Capability.EMPLOYER_SERVICES),
        "can_administer": allows(user, Capability.ADMINISTER),
        "can_exchange_data": allows(user, Capability.EXCHANGE_DATA),
        "can_read_access_log": allows(user, Capability.READ_ACCESS_LOG),
        "can_exercise_subject_rights": allows(user, Capability.EXERCISE_SUBJECT_RIGHTS),
        "site_links": SimpleLazyObject(site_links),  # reversed only when a page shows the layout
    }


def site_links() -> Mapping[str, str]:
    """Where the layout's links go (``SITE_LINKS``), as ``{% url %}`` would give them.

    Every page shows the layout, and Django's ``reverse`` costs about 70 µs a link: some 1.5 ms of each page for
    addresses that never change while the server runs. So they are reversed once per URL configuration and script
    prefix (an installation served under a sub-path), and the result is kept for the life of the process.

    The links come from this context processor, so a page that extends the layout must be rendered with its request
    (``render(request, …)``, as every view and Django's 403 and 404 handlers do). A 400 or 500 page, which Django
    renders without one, must not extend it: its links would be empty."""
    return _reversed(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=16)
def _reversed(prefix: str, urlconf: Any) -> Mapping[str, str]:
    # ``prefix`` is the key only: reverse reads the same script prefix from the running request.
    return MappingProxyType({key: reverse(name, urlconf=urlconf) for key, name in SITE_LINKS.items()})
