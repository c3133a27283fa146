"""Pages of service provision: the service catalogue with its fill, the kuntalisä budgets, employers, and the
client record's forms (referral, start and end of participation, cancelling a referral, decisions).

The catalogue, kuntalisä and employer pages are aggregate (no person appears on them) and open to every staff
role of the area, elected officials included; adding to the catalogue or the employer register needs a role
that records data. The person forms go through ``person_access`` (role, scope, access log) on every request;
forms check shape, services decide, and a refused save re-renders the form with the user's input and the
errors on the named fields.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from polku.access import policy
from polku.access.models import AccessAction
from polku.access.policy import can_see_person_level_data
from polku.core.calendar import add_months
from polku.people.models import Person
from polku.provision import forms, presenters, rules, selectors, services
from polku.provision.models import Employer, Referral, ServiceOffering
from polku.reference.models import EmploymentArea, ServiceType
from polku.web import form_flow
from polku.web.views import forbidden

EMPLOYER_PAGE_SIZE = 50


def _scope(request: HttpRequest) -> presenters.Scope | HttpResponse:
    scope = presenters.scope_for(request.user)
    if scope is None:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta."))
    return scope


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- catalogue ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    today = timezone.localdate()
    raw = request.GET.get("paiva", "").strip()
    error = ""
    try:
        on_date = date.fromisoformat(raw) if raw else today
    except ValueError:
        on_date, error = today, _("Päivä on muotoa VVVV-KK-PP.")
    return render(request, "provision/catalogue.html", {
        "scope": scope, "catalogue": presenters.catalogue(scope, on_date), "today": today, "error": error,
        "raw_date": raw if error else on_date.isoformat(),
        "providers": presenters.providers_in(scope).order_by("name"),
        "can_edit": policy.may_edit_service_catalogue(request.user),
    }, status=400 if error else 200)


def _editor_scope(request: HttpRequest) -> presenters.Scope | HttpResponse:
    if not policy.may_edit_service_catalogue(request.user):
        return forbidden(request, _("Palveluvalikoimaa muokkaavat ohjaajat, tiiminvetäjät, palvelupäälliköt ja pääkäyttäjät."))
    return _scope(request)


def _catalogue_form(request: HttpRequest, form: Any, title: str, submit: str) -> HttpResponse:
    return render(request, "provision/form.html", {
        "form": form, "title": title, "submit": submit, "cancel_url": reverse("provision:catalogue"),
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    scope = _editor_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    area_choices = None if scope.area is not None else [
        (area.code, area.name) for area in EmploymentArea.objects.order_by("name_fi")]
    form = forms.ProviderForm(_posted(request), area_choices=area_choices)
    if (result := form_flow.saved(request, form, lambda data: services.provider_create(
            name=data["name"], kind=data["kind"], business_id=data["business_id"],
            area_code=scope.area.code if scope.area is not None else data["area"]))) is not None:
        provider = result.value
        messages.success(request, _("Palveluntuottaja %(name)s lisätty.") % {"name": provider.name})
        return redirect(reverse("provision:catalogue") + "#tuottajat")
    return _catalogue_form(request, form, _("Lisää palveluntuottaja"), _("Tallenna palveluntuottaja"))


@login_required
@require_http_methods(["GET", "POST"])
def offering_new(request: HttpRequest) -> HttpResponse:
    scope = _editor_scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    providers = presenters.providers_in(scope).order_by("name")
    form = forms.OfferingForm(
        _posted(request), initial={"available_from": timezone.localdate(), "provider": request.GET.get("tuottaja", "")},
        provider_choices=[(str(p.pk), f"{p.name} ({p.get_kind_display()})") for p in providers],
        service_type_choices=[(t.code, t.name) for t in ServiceType.objects.order_by("name_fi")],
    )
    if (result := form_flow.saved(request, form, lambda data: services.offering_create(
            provider=providers.get(pk=int(data["provider"])), service_type=data["service_type"], name=data["name"],
            capacity=data["capacity"], available_from=data["available_from"], available_to=data["available_to"],
            description=data["description"]))) is not None:
        offering = result.value
        messages.success(request, _("Palvelu %(name)s lisätty palveluvalikoimaan.") % {"name": offering.name})
        return redirect("provision:catalogue")
    return _catalogue_form(request, form, _("Lisää palvelu"), _("Tallenna palvelu"))


# --- kuntalisä -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def kuntalisa(request: HttpRequest) -> HttpResponse:
    """Budget, committed and available per municipality of the area for a year; the decisions without persons."""
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    municipalities = presenters.municipalities_in(scope)
    today = timezone.localdate()
    errors = []
    raw_year = request.GET.get("vuosi", "").strip()
    year = today.year
    if raw_year:
        if raw_year.isascii() and raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
            year = int(raw_year)
        else:
            errors.append(_("Vuosi on nelinumeroinen vuosiluku väliltä 2000–2100."))
    code = request.GET.get("kunta", "").strip()
    chosen = municipalities
    if code:
        chosen = [m for m in municipalities if m.code == code]
        if not chosen:
            errors.append(_("Kunta %(code)s ei ole alueesi kunta tai sitä ei ole.") % {"code": code})
            chosen = municipalities
    return render(request, "provision/kuntalisa.html", {
        "page": presenters.kuntalisa_page(chosen, year), "municipalities": municipalities, "code": code,
        "year": year, "raw_year": raw_year or str(year), "errors": errors, "scope": scope,
        "rule": rules.rule("kuntalisa"),
        # One decision is one person's support: aggregate-only roles see the totals, not the rows.
        "show_decisions": can_see_person_level_data(request.user),
    }, status=400 if errors else 200)


# --- employers -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def employers(request: HttpRequest) -> HttpResponse:
    """The employer register (organisations, no persons) and, for roles that record data, its form."""
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    can_edit = policy.may_edit_service_catalogue(request.user)
    if request.method == "POST" and not can_edit:
        return forbidden(request, _("Työnantajia lisäävät ohjaajat, tiiminvetäjät, palvelupäälliköt ja pääkäyttäjät."))
    form = None
    if can_edit:
        form = forms.EmployerForm(_posted(request), initial={"kind": "company"}, municipality_choices=[
            (m.code, f"{m.name} ({m.code})") for m in presenters.municipalities_in(scope)])
        if (result := form_flow.saved(request, form, lambda data: services.employer_create(
                name=data["name"], business_id=data["business_id"], kind=data["kind"],
                municipality_code=data["municipality"] or None))) is not None:
            employer = result.value
            messages.success(request, _("Työnantaja %(name)s lisätty.") % {"name": str(employer)})
            return redirect("provision:employers")
    search = request.GET.get("haku", "").strip()
    rows = Employer.objects.select_related("municipality").annotate(decision_count=Count("decisions"))
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(business_id__startswith=search))
    page = Paginator(rows.order_by("name", "pk"), EMPLOYER_PAGE_SIZE).get_page(request.GET.get("sivu"))
    return render(request, "provision/employers.html", {
        "form": form, "page": page, "search": search, "can_edit": can_edit,
    }, status=400 if form is not None and form.is_bound and form.errors else 200)


# --- person forms ------------------------------------------------------------------------------------------------


def _referral(request: HttpRequest, referral_id: int, action: AccessAction) -> Referral | HttpResponse:
    referral = get_object_or_404(
        Referral.objects.select_related("person", "offering", "offering__provider", "offering__service_type"),
        pk=referral_id)
    return form_flow.write_refused(request, referral.person, action) or referral


ANCHOR = "palvelut"


def _done(request: HttpRequest, person: Person, message: str) -> HttpResponse:
    return form_flow.done(request, person, message)


def _form_page(request: HttpRequest, person: Person, form: Any, title: str, submit: str, **extra: Any) -> HttpResponse:
    return form_flow.form_page(request, "provision/form.html", form, person=person, title=title, submit=submit,
                               cancel_url=form_flow.record_url(person, ANCHOR), **extra)


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    denied = form_flow.write_refused(request, person, AccessAction.REFERRAL_CREATE)
    if denied is not None:
        return denied
    scope = presenters.scope_for(request.user)
    area_id = scope.area_id if scope is not None else None
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.POST.get("referred_on", "")) if request.method == "POST" else today
    except ValueError:
        day = today
    fills = {str(f.offering.pk): f for f in selectors.offerings_with_fill(area_id, day)}
    choices = [(pk, presenters.offering_label(f)) for pk, f in fills.items() if f.free > 0]
    no_free_places = not choices
    offerings = ServiceOffering.objects.all() if area_id is None else ServiceOffering.objects.filter(area_id=area_id)
    accepted = {str(pk) for pk in offerings.values_list("pk", flat=True)}
    chosen = request.POST.get("offering", "") if request.method == "POST" else ""
    if chosen in accepted and chosen not in dict(choices):
        # Keep the user's choice on the re-rendered form even though it has no free place (or is not available).
        label = presenters.offering_label(fills[chosen]) if chosen in fills else offerings.get(pk=int(chosen)).name
        choices.append((chosen, label))
    asked = request.GET.get("tarjonta", "")  # the offering a matching page linked to (a service closing a gap)
    initial = {"referred_on": today} | ({"offering": asked} if asked in dict(choices) else {})
    form = forms.ReferralForm(_posted(request), initial=initial, offering_choices=choices, accepted=accepted)
    if (result := form_flow.saved(request, form, lambda data: services.referral_create(
            person=person, offering=offerings.get(pk=int(data["offering"])), referred_on=data["referred_on"],
            actor=request.user))) is not None:
        referral = result.value
        return _done(request, person, _("Ohjattu palveluun %(name)s.") % {"name": referral.offering.name})
    return _form_page(request, person, form, _("Ohjaa palveluun"), _("Tallenna ohjaus"),
                      no_free_places=no_free_places, catalogue_date=day)


def _planned_end(referral: Referral, start: date) -> date:
    """A first guess for the planned end: the service type's typical shortest length, within the offering's availability."""
    offering = referral.offering
    end = add_months(start, max(offering.service_type.typical_min_months, 1)) - timedelta(days=1)
    return min(end, offering.available_to) if offering.available_to is not None else end


@login_required
@require_http_methods(["GET", "POST"])
def participation_start(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id, AccessAction.PARTICIPATION_START)
    if isinstance(referral, HttpResponse):
        return referral
    start = max(timezone.localdate(), referral.referred_on)
    form = forms.ParticipationStartForm(_posted(request), initial={
        "version": referral.version, "start_date": start, "planned_end": _planned_end(referral, start)})
    if form_flow.saved(request, form, lambda data: services.participation_start(
            referral=referral, start_date=data["start_date"], planned_end=data["planned_end"], actor=request.user,
            expected_version=data["version"])):
        return _done(request, referral.person, _("Osallistuminen palveluun %(name)s alkoi; työmarkkina-asema "
                                                 "kirjattu aikajanalle.") % {"name": referral.offering.name})
    return _form_page(request, referral.person, form, _("Osallistuminen alkaa"), _("Tallenna alkaminen"),
                      referral=referral)


@login_required
@require_http_methods(["GET", "POST"])
def participation_end(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id, AccessAction.PARTICIPATION_END)
    if isinstance(referral, HttpResponse):
        return referral
    end = timezone.localdate()
    if referral.participation_end is not None:
        end = min(end, referral.participation_end)
    form = forms.ParticipationEndForm(_posted(request), initial={"version": referral.version, "end_date": end})
    if form_flow.saved(request, form, lambda data: services.participation_end(
            referral=referral, end_date=data["end_date"], actor=request.user, expected_version=data["version"])):
        return _done(request, referral.person, _("Osallistuminen palveluun %(name)s päättyi.") % {
            "name": referral.offering.name})
    return _form_page(request, referral.person, form, _("Osallistuminen päättyy"), _("Tallenna päättyminen"),
                      referral=referral)


@login_required
@require_http_methods(["GET", "POST"])
def referral_close(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id, AccessAction.REFERRAL_CLOSE)
    if isinstance(referral, HttpResponse):
        return referral
    form = forms.ReferralCloseForm(_posted(request), initial={"version": referral.version})
    if form_flow.saved(request, form, lambda data: services.referral_close(
            referral=referral, outcome=data["outcome"], actor=request.user, expected_version=data["version"])):
        return _done(request, referral.person, _("Ohjaus palveluun %(name)s peruttu; paikka vapautui.") % {
            "name": referral.offering.name})
    return _form_page(request, referral.person, form, _("Peru ohjaus"), _("Peru ohjaus"), referral=referral)


@login_required
@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    denied = form_flow.write_refused(request, person, AccessAction.DECISION_CREATE)
    if denied is not None:
        return denied
    scope = presenters.scope_for(request.user)
    municipalities = presenters.municipalities_in(scope) if scope is not None else []
    employers = Employer.objects.order_by("name", "pk")
    form = forms.DecisionForm(
        _posted(request), initial={"decided_on": timezone.localdate(), "kind": request.GET.get("laji", "")},
        employer_choices=[(str(e.pk), f"{e.name} ({e.business_id}, {e.get_kind_display()})") for e in employers],
        municipality_choices=[(m.code, f"{m.name} ({m.code})") for m in municipalities],
    )
    if (result := form_flow.saved(request, form, lambda data: services.decision_create(
            person=person, kind=data["kind"], actor=request.user,
            employer=employers.get(pk=int(data["employer"])) if data["employer"] else None,
            percent=data["percent"], monthly_amount=data["monthly_amount"], months=data["months"],
            start_date=data["start_date"], decided_on=data["decided_on"],
            municipality_code=data["municipality"] or None))) is not None:
        decision = result.value
        return _done(request, person, _("Päätös (%(kind)s) kirjattu.") % {"kind": decision.get_kind_display()})
    return _form_page(request, person, form, _("Uusi päätös"), _("Tallenna päätös"), rules=rules.RULES)
