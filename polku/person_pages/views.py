"""The person pages: the list with the name and identity-code searches, and the client record that gathers each
package's panel beside the timeline. Each view checks access through ``polku.access.policy``, logs person reads,
calls one selector and renders; labels and figures come from ``presenters``.

Above every package whose panel the record shows (README, "Code layout"); the URL names stay in the ``web``
namespace (``web:person_detail``), see ``polku.urls``.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.policy import can_see_person_level_data, can_write_person_data, persons_visible_to
from polku.access.services import log_event, log_person_reads, log_refused, person_access
from polku.casework import presenters as casework_presenters
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.core.logging import looks_like_personal_id
from polku.exchange import presenters as exchange_presenters
from polku.municipal_share import presenters as share_presenters
from polku.municipal_share import selectors as share_selectors
from polku.municipal_share.services import current_rule_book
from polku.people.models import Person
from polku.people.selectors import persons_matching_name
from polku.person_pages import charts, forms, presenters
from polku.portal import presenters as portal_presenters
from polku.provision import presenters as provision_presenters
from polku.timeline.selectors import person_timeline
from polku.timeline.services import person_find_by_personal_id
from polku.web import content
from polku.web.views import _no_person_access_reason, forbidden

PAGE_SIZE = 25
# What the access log records (in Finnish, whatever the UI language; shown translated, ``polku.access.purposes``).
NO_BREAK_GLASS = gettext_noop("ei oikeutta poikkeukselliseen pääsyyn")
NO_REASON = gettext_noop("perustelu puuttui tai oli puutteellinen")
NOT_FOUND = gettext_noop("henkilötunnuksella ei löytynyt henkilöä")


def _lookup_error(failure: ValidationFailed) -> str:
    # The service's messages are Finnish only; the UI says the same in the active language.
    code = failure.errors[0].code if failure.errors else ErrorCode.INVALID
    if code == ErrorCode.INVALID_CHECKSUM:
        return _("Henkilötunnuksen tarkistusmerkki ei täsmää.")
    return _("Henkilötunnus ei ole oikeaa muotoa (PPKKVV-NNNT).")


def identity_code_lookup(request: HttpRequest, code: str, purpose: str | None) -> HttpResponse | str:
    """Open the person with identity code ``code`` (a redirect to their record, the read logged) or say why not.

    The same answer whether the person is unknown or outside the user's scope (the refused attempt is logged), and the
    code is never repeated. The caller has checked that the user sees person-level data and received the code by POST.
    """
    try:
        found = person_find_by_personal_id(code)
    except ValidationFailed as failure:
        return _lookup_error(failure)
    logged = content.purpose_for(purpose, request.user).logged
    if found is not None and persons_visible_to(request.user).filter(pk=found.pk).exists():
        # The redirect tells the user who the code belongs to: a read of that person.
        log_person_reads(user=request.user, person_ids=[found.pk], action=AccessAction.PERSON_LOOKUP,
                         purpose=logged, channel=AccessChannel.WEB)
        return redirect("web:person_detail", person_id=found.pk)
    if found is not None:
        log_refused(user=request.user, person_ids=[found.pk], action=AccessAction.PERSON_LOOKUP,
                    purpose=logged, channel=AccessChannel.WEB)
    return _("Henkilötunnuksella ei löytynyt henkilöä, jonka tietoihin sinulla on oikeus.")


@login_required
@sensitive_post_parameters("personal_id", "q")
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    if not can_see_person_level_data(request.user):
        return forbidden(request, _no_person_access_reason(request))
    visible = persons_visible_to(request.user)
    lookup_error = ""
    if request.method == "POST" and "personal_id" not in request.POST:
        # The name search is posted, so an identity code typed into it (by mistake or on purpose) is caught here and
        # never lands in an address, the browser's history or the server's request log; a name goes on to the address.
        name = request.POST.get("q", "").strip()
        if looks_like_personal_id(name):
            messages.warning(request, _("Henkilötunnuksella haetaan alla olevalla henkilötunnushaulla, ei nimihaulla."))
            return redirect("web:person_list")
        return redirect(f"{reverse('web:person_list')}?{urlencode({'q': name})}" if name else reverse("web:person_list"))
    if request.method == "POST":
        # Identity-code look-up is POST only, so the code never lands in a URL, history or server log.
        answer = identity_code_lookup(request, request.POST.get("personal_id", ""), request.POST.get("purpose"))
        if isinstance(answer, HttpResponse):
            return answer
        lookup_error = answer

    query = request.GET.get("q", "").strip()
    if looks_like_personal_id(query):
        # A code (or a mistyped one) typed into the name search must not stay in the address bar or be echoed on the page.
        messages.warning(request, _("Henkilötunnuksella haetaan alla olevalla henkilötunnushaulla, ei nimihaulla."))
        return redirect("web:person_list")
    purpose = content.purpose_for(request.GET.get("purpose"), request.user)
    page = Paginator(persons_matching_name(visible, query), PAGE_SIZE).get_page(request.GET.get("page"))
    persons: list[Person] = list(page.object_list)
    log_person_reads(user=request.user, person_ids=[p.pk for p in persons], action=AccessAction.PERSON_LIST,
                     purpose=purpose.logged, channel=AccessChannel.WEB)
    return render(request, "person_pages/person_list.html", {
        "page": page,
        "rows": presenters.person_rows(persons, timezone.localdate()),
        "query": query,
        "lookup_error": lookup_error,
        "may_break_glass": policy.allows(request.user, policy.Capability.BREAK_GLASS),
    }, status=400 if lookup_error else 200)


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    if not can_see_person_level_data(request.user):
        return forbidden(request, _no_person_access_reason(request))
    person = get_object_or_404(Person, pk=person_id)
    purpose = content.purpose_for(request.GET.get("purpose"), request.user)
    try:
        person_access(user=request.user, person=person, write=False, action=AccessAction.PERSON_TIMELINE,
                      purpose=purpose.logged, channel=AccessChannel.WEB)
    except AccessDenied:
        url = reverse("web:break_glass", args=[person.pk]) if policy.may_break_glass(request.user, person) else ""
        return forbidden(request, _("Tämä henkilö ei kuulu omiin asiakkaisiisi eikä tiimisi tai alueesi asiakkaisiin."),
                         break_glass_url=url)
    today = timezone.localdate()
    timeline = person_timeline(person)
    casework_panel = casework_presenters.client_panel(timeline, today)
    page = presenters.timeline_page(timeline, today=today)
    provision_panel = provision_presenters.client_panel(person, today)
    events = casework_presenters.timeline_events(casework_panel) + provision_presenters.timeline_events(provision_panel)
    page = dataclasses.replace(page, events=sorted(presenters.EventRow(day, kind, label) for day, kind, label in events))
    chart = None
    if not page.is_empty:
        chart = charts.timeline_chart(
            page,
            title=_("Aikajana: %(name)s") % {"name": page.header.name},
            description=_chart_description(page),
        )
    return render(request, "person_pages/person_detail.html", {
        "page": page,
        "person": person,
        "chart": chart,
        "chart_description": _chart_description(page) if chart else "",
        "purposes": content.PURPOSES,
        "purpose": purpose,
        "casework_panel": casework_panel,
        "provision_panel": provision_panel,
        "portal_panel": portal_presenters.client_panel(person),
        "can_record": can_write_person_data(request.user),
        "provenance": exchange_presenters.provenance_rows(person.pk),
        "share_panel": share_presenters.client_panel(current_rule_book(), person, reference_date=(
            share_presenters.suggested_reference_date(today) or today), facts=share_selectors.timeline_facts(timeline)),
    })


def _chart_description(page: presenters.TimelinePage) -> str:
    first = page.first_day or page.today
    return _(
        "Aikajana %(start)s–%(end)s. Työmarkkina-asemajaksoja %(statuses)s, työnhakujaksoja %(searches)s, "
        "kotikuntajaksoja %(homes)s, tapaamis- ja suunnitelmakirjauksia %(events)s; etuuspäiviä yhteensä %(days)s "
        "(%(months)s kuukautta). Samat tiedot ovat taulukoina kaavion alla ja asiakastyön osiossa."
    ) % {
        "start": date_format(first, "SHORT_DATE_FORMAT"),
        "end": date_format(page.today, "SHORT_DATE_FORMAT"),
        "statuses": len(page.statuses),
        "searches": len(page.job_searches),
        "homes": len(page.home_municipalities),
        "events": len(page.events),
        "days": page.benefit_days_total,
        "months": len({b.month for b in page.benefits}),
    }


def _open_by_break_glass(request: HttpRequest, person: Person, reason: str) -> HttpResponse:
    """Grant the user one hour of reading ``person`` for ``reason``, log it as a break-glass read (the data protection
    officer's flagged list) and go to the record."""
    grant = policy.grant_break_glass(request.user, person, reason)
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.BREAK_GLASS,
                     purpose=grant.reason, channel=AccessChannel.WEB)
    messages.warning(request, _("Poikkeuksellinen pääsy avattu tunniksi. Pääsy ja perustelusi näkyvät "
                                "tietosuojavastaavalle."))
    return redirect("web:person_detail", person_id=person.pk)


def _break_glass_page(request: HttpRequest, form: Any, *, by_identity_code: bool) -> HttpResponse:
    return render(request, "person_pages/break_glass.html", {
        "form": form, "by_identity_code": by_identity_code, "submit": _("Avaa tiedot"), "cancel_url": reverse("web:person_list"),
        "hours": int(policy.BREAK_GLASS_DURATION.total_seconds() // 3600),
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Open one person outside the user's scope by stating why: the grant lasts an hour, the read is logged as a
    break-glass access and shown to the data protection officer. Refused for roles without the step."""
    person = get_object_or_404(Person, pk=person_id)
    if not policy.allows(request.user, policy.Capability.BREAK_GLASS):
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.BREAK_GLASS,
                    purpose=NO_BREAK_GLASS, channel=AccessChannel.WEB)
        return forbidden(request, _("Roolillasi ei voi avata rajauksen ulkopuolisen henkilön tietoja."))
    if not policy.may_break_glass(request.user, person) or policy.has_break_glass(request.user, person):
        return redirect("web:person_detail", person_id=person.pk)  # in scope, or already open
    form = forms.BreakGlassForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            return _open_by_break_glass(request, person, form.cleaned_data["reason"])
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.BREAK_GLASS,
                    purpose=NO_REASON, channel=AccessChannel.WEB)
    return _break_glass_page(request, form, by_identity_code=False)


@login_required
@sensitive_post_parameters("personal_id")
@require_http_methods(["GET", "POST"])
def break_glass_lookup(request: HttpRequest) -> HttpResponse:
    """Break-glass by identity code: how a counsellor reaches a person outside their scope at all (such a person is in
    none of their lists, and the plain identity-code search answers alike for unknown and out-of-scope persons).

    The reason comes first: only after it is stated (and logged) does the answer tell whether the code is in the
    register. A person in the user's scope opens as from the plain search; one already open opens again."""
    if not policy.allows(request.user, policy.Capability.BREAK_GLASS):
        log_event(user=request.user, action=AccessAction.ACCESS_REFUSED, purpose=f"break_glass: {NO_BREAK_GLASS}",
                  channel=AccessChannel.WEB)
        return forbidden(request, _("Roolillasi ei voi avata rajauksen ulkopuolisen henkilön tietoja."))
    form = forms.BreakGlassLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            found = person_find_by_personal_id(form.cleaned_data["personal_id"])
        except ValidationFailed as failure:
            form.add_error("personal_id", _lookup_error(failure))
        else:
            if found is None:
                log_event(user=request.user, action=AccessAction.ACCESS_REFUSED,
                          purpose=f"break_glass: {NOT_FOUND}: {reason}", channel=AccessChannel.WEB)
                form.add_error("personal_id", _("Henkilötunnuksella ei löytynyt henkilöä."))
            elif persons_visible_to(request.user).filter(pk=found.pk).exists():
                log_person_reads(user=request.user, person_ids=[found.pk], action=AccessAction.PERSON_LOOKUP,
                                 purpose=reason, channel=AccessChannel.WEB)
                return redirect("web:person_detail", person_id=found.pk)
            elif policy.has_break_glass(request.user, found):
                return redirect("web:person_detail", person_id=found.pk)
            else:
                return _open_by_break_glass(request, found, reason)
    elif request.method == "POST":
        log_event(user=request.user, action=AccessAction.ACCESS_REFUSED, purpose=f"break_glass: {NO_REASON}",
                  channel=AccessChannel.WEB)
    return _break_glass_page(request, form, by_identity_code=True)
