"""Template context shared by every page: who is logged in, in which role, and what the menu offers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polku.access.policy import Capability, allows, staff_profile


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
    }
