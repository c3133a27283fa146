"""Template context shared by every page: who is logged in, in which role, and what the menu offers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polku.access.models import Role
from polku.access.policy import EXCHANGE_ROLES, PERSON_LEVEL_ROLES, PRIVACY_ROLES, staff_profile
from polku.access.selectors import LOG_READER_ROLES


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    profile = staff_profile(user)
    return {
        "staff_profile": profile,
        "can_see_persons": profile is not None and profile.role in PERSON_LEVEL_ROLES,
        "can_administer": profile is not None and profile.role == Role.ADMIN,
        "can_exchange_data": profile is not None and profile.role in EXCHANGE_ROLES,
        "can_read_access_log": profile is not None and profile.role in LOG_READER_ROLES,
        "can_exercise_subject_rights": profile is not None and profile.role in PRIVACY_ROLES,
    }
