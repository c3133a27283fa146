"""The signed-in floor of :mod:`casework_latency`: what any page of a signed-in counsellor costs before its own work.

``/terveys/`` (the benchmark's floor, as the issue names it) answers without a session: no login, no query, no
template. Every page a counsellor opens also loads the session and the user, passes the second-factor check, looks up
the staff profile in the access policy and renders the site's layout (navigation, language menu, footer). This URL
configuration adds one page that does exactly that and nothing more — ``/pohja/``, a heading in the layout — so that
the benchmark can report how much of a worklist's budget the framework takes before the worklist starts.

Two more pages add what the issue's own rules make every worklist and every client record do before their own
work, so that the benchmark can say how much of each goal is left for that work:

* ``/pohja/lista/``, the *listed floor*: the signed-in floor, then the worklist scopes the user may choose, the first
  hundred of the counsellor's own clients (one indexed read of their ids) and a logged read of each (every read of a
  person's data is access-logged) — a worklist page that shows no row;
* ``/pohja/henkilo/<uuid>/``, the *record floor*: the signed-in floor, then the person, the access policy's check
  that the user may see them and the logged read — a client record that shows nothing of the person.

Only the casework benchmark's server uses it (``DJANGO_SETTINGS_MODULE=benchmarks.signed_in_floor_settings``); it is
not part of the product's URLs.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import own_client_ids, staff_profile
from polku.access.services import log_person_reads, person_access
from polku.casework.selectors import scopes_for
from polku.core.errors import AccessDenied
from polku.people.models import Person
from polku.urls import urlpatterns as product_urlpatterns

LISTED = 100  # the worklist's page (casework.views.PAGE_SIZE)
PURPOSE = "asiakastyö"

PAGE = engines["django"].from_string(
    '{% extends "web/base.html" %}{% block title %}Pohja{% endblock %}'
    '{% block content %}<h1>Pohja</h1>{% endblock %}')


@login_required
@require_GET
def signed_in_floor(request: HttpRequest) -> HttpResponse:
    """The layout of a signed-in page around a heading, with the staff profile read as every staff page reads it."""
    profile = staff_profile(request.user)
    return HttpResponse(PAGE.render({"profile": profile}, request))


@login_required
@require_GET
def listed_floor(request: HttpRequest) -> HttpResponse:
    """The signed-in floor with what a worklist must do before it shows a row: the scopes the user may choose, and a
    logged read of a page of their clients."""
    profile = staff_profile(request.user)
    scopes = scopes_for(request.user)
    ids = list(own_client_ids(request.user).order_by("person_id").values_list("person_id", flat=True)[:LISTED])
    logged = log_person_reads(user=request.user, person_ids=ids, action=AccessAction.WORKLIST, purpose=PURPOSE,
                              channel=AccessChannel.WEB)
    return HttpResponse(PAGE.render({"profile": profile, "scopes": scopes, "logged": logged}, request))


@login_required
@require_GET
def record_floor(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The signed-in floor with what a client record must do before it shows anything: the person, the policy's
    check and the logged read (``person_access``, as the record calls it)."""
    profile = staff_profile(request.user)
    person = get_object_or_404(Person, pk=person_id)
    try:
        person_access(user=request.user, person=person, write=False, action=AccessAction.PERSON_TIMELINE,
                      purpose=PURPOSE, channel=AccessChannel.WEB)
    except AccessDenied:
        return HttpResponseForbidden()
    return HttpResponse(PAGE.render({"profile": profile}, request))


urlpatterns = [
    path("pohja/", signed_in_floor, name="signed_in_floor"),
    path("pohja/lista/", listed_floor, name="listed_floor"),
    path("pohja/henkilo/<uuid:person_id>/", record_floor, name="record_floor"),
    *product_urlpatterns,
]
