"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polku.access.policy import can_see_person_level_data, staff_profile


def navigation(request: HttpRequest) -> dict[str, Any]:
    profile = staff_profile(request.user) if hasattr(request, "user") else None
    return {
        "staff_profile": profile,
        "can_see_persons": can_see_person_level_data(request.user) if hasattr(request, "user") else False,
    }
