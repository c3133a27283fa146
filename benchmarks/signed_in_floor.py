"""The signed-in floor of :mod:`casework_latency`: what any page of a signed-in counsellor costs before its own work.

``/terveys/`` (the benchmark's floor, as the issue names it) answers without a session: no login, no query, no
template. Every page a counsellor opens also loads the session and the user, passes the second-factor check, looks up
the staff profile in the access policy and renders the site's layout (navigation, language menu, footer). This URL
configuration adds one page that does exactly that and nothing more — ``/pohja/``, a heading in the layout — so that
the benchmark can report how much of a worklist's budget the framework takes before the worklist starts.

Only the casework benchmark's server uses it (``DJANGO_SETTINGS_MODULE=benchmarks.signed_in_floor_settings``); it is
not part of the product's URLs.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from polku.access.policy import staff_profile
from polku.urls import urlpatterns as product_urlpatterns

PAGE = engines["django"].from_string(
    '{% extends "web/base.html" %}{% block title %}Pohja{% endblock %}'
    '{% block content %}<h1>Pohja</h1>{% endblock %}')


@login_required
@require_GET
def signed_in_floor(request: HttpRequest) -> HttpResponse:
    """The layout of a signed-in page around a heading, with the staff profile read as every staff page reads it."""
    profile = staff_profile(request.user)
    return HttpResponse(PAGE.render({"profile": profile}, request))


urlpatterns = [path("pohja/", signed_in_floor, name="signed_in_floor"), *product_urlpatterns]
