"""``/``: a public landing page for visitors, and for a signed-in user the start page of their role ("today").

Thin: the role's panel comes from ``presenters``; this view only picks the template.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from polku.access.policy import staff_profile
from polku.start_pages import presenters


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "start_pages/landing.html", {"role_guides": presenters.ROLE_GUIDES})
    profile = staff_profile(request.user)
    today = presenters.start_page(request.user, profile)
    return render(request, "start_pages/start.html", {"today": today, "profile": profile})
