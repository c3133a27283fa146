"""Template context shared by every page: who is logged in, in which role, what the menu offers, and where the
layout's links go."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from polku.access.policy import Capability, allows, staff_profile
from polku.web.links import address

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

    Every page shows the layout, and each of its links reversed costs about 70 µs: some 1.5 ms of each page for
    addresses that never change while the server runs. So they are reversed once (``polku.web.links``), and the
    layout's map of them is kept too, per URL configuration, script prefix and language.

    The links come from this context processor, so a page that extends the layout must be rendered with its request
    (``render(request, …)``, as every view and Django's 403 and 404 handlers do). A 400 or 500 page, which Django
    renders without one, must not extend it: its links would be empty."""
    return _site_links(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, get_language())


@functools.lru_cache(maxsize=16)
def _site_links(prefix: str, urlconf: Any, language: str | None) -> Mapping[str, str]:
    # The arguments are the key only: each address is read from the running request's, as links.address reads it.
    return MappingProxyType({key: address(name) for key, name in SITE_LINKS.items()})
