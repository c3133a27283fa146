"""Pages of employer services: the job agent's worklist, the employer register and an employer's record, vacancies
with their ranked candidates, competence profiles with their ranked vacancies, job offers and the figures.

Each page asks the policy (``polku.access.policy``) first; every person a page shows is logged (a candidate list is
a read of each person on it). Forms check shape, services decide, and a refused save re-renders the form with the
user's input and the errors on the named fields (400).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from polku.access import policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused, person_access
from polku.core.errors import AccessDenied, ErrorCode, FieldError, ValidationFailed
from polku.employer_services import extraction, forms, matching, presenters, selectors, services
from polku.employer_services.esco import catalogue, industry_label
from polku.employer_services.gaps import services_closing
from polku.employer_services.models import CompetenceProfile, JobOffer, RecruitmentNeed, Vacancy, VacancyStatus
from polku.employer_services.profile_export import profile_document
from polku.employer_services.rules import follow_up_rules
from polku.employer_services.vacancy_import import import_vacancies, template_header
from polku.people.models import Person
from polku.provision.models import Decision, Employer
from polku.provision.presenters import scope_for as provision_scope_for
from polku.reference.models import Municipality
from polku.web.charts import Chart
from polku.web.form_flow import show_errors
from polku.web.views import forbidden

PURPOSE = gettext_noop("työnantajapalvelut")
MATCH_PURPOSE = gettext_noop("työnvälitys ja osaamisen kohtaanto")


def _refused(request: HttpRequest) -> HttpResponse:
    return forbidden(request, _("Työnantajapalvelut ovat työnantajapalvelujen, ohjaajien, palvelupäälliköiden ja "
                                "pääkäyttäjien käytössä omalla työllisyysalueellaan."))


def _gate(request: HttpRequest) -> HttpResponse | None:
    try:
        policy.employer_area_id(request.user)
    except AccessDenied:
        return _refused(request)
    return None


def _municipality_choices(request: HttpRequest) -> list[tuple[str, str]]:
    area_id = policy.employer_area_id(request.user)
    municipalities = Municipality.objects.order_by("name_fi")
    if area_id is not None:
        municipalities = municipalities.filter(code__in=policy.area_municipality_set(area_id))
    return [(m.code, m.name) for m in municipalities]


EMPLOYER_PLACEMENT_MONTHS = 36  # an employer's record follows its subsidised jobs over three years


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _today() -> date:
    return timezone.localdate()


def _codes(shorts: list[str]) -> list[str]:
    """Form values (UUIDs, licence codes) as the services take them."""
    return [str(code) for code in shorts]


# --- worklist -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    raw = request.GET.get("kuukautta", "").strip()
    months = int(raw) if raw.isdigit() and 1 <= int(raw) <= 36 else None
    items = selectors.worklist(request.user, _today(), months=months)
    log_person_reads(user=request.user, person_ids=items.person_ids(), action=AccessAction.WORKLIST, purpose=PURPOSE)
    return render(request, "employer_services/worklist.html", {
        "items": items, "rules": follow_up_rules(), "today": _today(), "month_choices": (3, 6, 12),
    })


# --- employers ----------------------------------------------------------------------------------------------------


def _details(data: dict[str, Any]) -> services.EmployerDetails:
    return services.EmployerDetails(industry=data.get("industry") or "", size=data.get("size") or "",
                                    consent_to_contact=bool(data.get("consent_to_contact")),
                                    phone=data.get("phone") or "", email=data.get("email") or "")


@login_required
@require_http_methods(["GET", "POST"])
def employers(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    form = forms.EmployerForm(request.POST if request.method == "POST" else None,
                              municipality_choices=_municipality_choices(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employer = services.employer_register(
                actor=request.user, name=data["name"], business_id=data["business_id"], kind=data["kind"],
                municipality_code=data["municipality"] or None, details=_details(data), today=_today())
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            messages.success(request, _("Työnantaja %(name)s lisättiin rekisteriin.") % {"name": employer.name})
            return redirect("employer_services:employer", employer_id=employer.pk)
    search = request.GET.get("haku", "").strip()
    rows = selectors.employers_for(request.user).annotate(
        last_contact=Max("contacts__contacted_on"), vacancy_count=Count("vacancies", distinct=True)).order_by("name")
    if search:
        rows = rows.filter(name__icontains=search) | rows.filter(business_id__icontains=search)
    return render(request, "employer_services/employers.html", {
        "form": form, "rows": rows[:200], "search": search, "industry_label": industry_label,
    }, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def employer(request: HttpRequest, employer_id: int) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    record = get_object_or_404(Employer.objects.select_related("municipality", "area"), pk=employer_id)
    try:
        services.require_employer(request.user, record)
    except AccessDenied:
        return _refused(request)
    action = request.POST.get("lomake", "") if request.method == "POST" else ""
    posted = request.POST if request.method == "POST" else None
    initial = {"industry": record.industry, "size": record.size, "consent_to_contact": record.consent_to_contact,
               "phone": record.phone, "email": record.email}
    details_form = forms.EmployerForm(posted if action == "tiedot" else None, initial=initial, details_only=True,
                                      municipality_choices=[], prefix="tiedot")
    contact_form = forms.ContactForm(posted if action == "yhteydenotto" else None, prefix="yhteys",
                                     initial={"contacted_on": _today()})
    person_form = forms.ContactPersonForm(posted if action == "yhteyshenkilo" else None, prefix="henkilo")
    need_form = forms.NeedForm(posted if action == "tarve" else None, prefix="tarve", initial={"noted_on": _today()})
    bound = {"tiedot": details_form, "yhteydenotto": contact_form, "yhteyshenkilo": person_form, "tarve": need_form}
    form = bound.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "tiedot":
                services.employer_update(actor=request.user, employer=record, details=_details(data), today=_today())
                done = _("Työnantajan tiedot tallennettiin.")
            elif action == "yhteydenotto":
                services.contact_record(actor=request.user, employer=record, kind=data["kind"],
                                        contacted_on=data["contacted_on"], notes=data["notes"], today=_today())
                done = _("Yhteydenotto kirjattiin.")
            elif action == "yhteyshenkilo":
                services.contact_person_add(actor=request.user, employer=record, name=data["name"], title=data["title"],
                                            phone=data["phone"], email=data["email"])
                done = _("Yhteyshenkilö lisättiin.")
            else:
                services.need_record(actor=request.user, employer=record, description=data["description"],
                                     positions=data["positions"], hidden=data["hidden"], noted_on=data["noted_on"])
                done = _("Rekrytointitarve kirjattiin.")
        except ValidationFailed as failure:
            show_errors(form, failure)
        except AccessDenied:
            return _refused(request)
        else:
            messages.success(request, done)
            return redirect("employer_services:employer", employer_id=record.pk)
    subsidies = Decision.objects.filter(employer=record).order_by("-decided_on")
    placed = selectors.placements_after_subsidy(request.user, _today(), months=EMPLOYER_PLACEMENT_MONTHS,
                                                employer=record)
    aggregates_only = not policy.can_see_person_level_data(request.user)
    return render(request, "employer_services/employer.html", {
        "employer": record, "industry": industry_label(record.industry), "details_form": details_form,
        "contact_form": contact_form, "person_form": person_form, "need_form": need_form,
        "contacts": record.contacts.select_related("recorded_by")[:50], "contact_persons": record.contact_persons.all(),
        "needs": record.recruitment_needs.all(), "vacancies": record.vacancies.all(),
        "subsidy_count": subsidies.count(),
        "subsidy_history": presenters.subsidy_rows(selectors.subsidy_history(record), suppress=aggregates_only),
        "placements": JobOffer.objects.filter(vacancy__employer=record, outcome="hired").count(),
        "placements_after": placed, "placement_months": EMPLOYER_PLACEMENT_MONTHS, "rules": follow_up_rules(),
        # Readers who see aggregates only (job agents) get small counts hidden, and one employer's placements only
        # when they tell nobody's status (at least five followed up, neither none nor all working).
        "placement": presenters.placement_view(placed, suppress=aggregates_only),
        "placement_hidden": aggregates_only and not presenters.discloses_nobody(placed.ended, placed.working),
    }, status=_status(form) if form is not None else 200)


# --- vacancies ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def vacancies(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    status = request.GET.get("tila", VacancyStatus.OPEN)
    rows = selectors.vacancies_for(request.user).annotate(offer_count=Count("offers"))
    if status in VacancyStatus.values:
        rows = rows.filter(status=status)
    return render(request, "employer_services/vacancies.html", {
        "rows": rows[:200], "status": status, "statuses": VacancyStatus.choices})


@login_required
@require_http_methods(["GET", "POST"])
def vacancy_import(request: HttpRequest) -> HttpResponse:
    """Vacancies from a spreadsheet (CSV), all or nothing; every problem is listed with its row and column."""
    refused = _gate(request)
    if refused:
        return refused
    errors: list[Any] = []
    if request.method == "POST":
        upload = request.FILES.get("tiedosto")
        if upload is None:
            errors = [FieldError("", ErrorCode.REQUIRED, _("Valitse tiedosto."))]
        elif upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            errors = [FieldError("", ErrorCode.INVALID, _("Tiedosto on enintään 5 Mt."))]
        else:
            try:
                created = import_vacancies(actor=request.user, data=upload.read())
            except ValidationFailed as failure:
                errors = list(failure.errors)
            else:
                messages.success(request, ngettext("%(n)s työpaikka tuotiin.", "%(n)s työpaikkaa tuotiin.",
                                                   len(created)) % {"n": len(created)})
                return redirect("employer_services:vacancies")
    return render(request, "employer_services/vacancy_import.html", {"errors": errors},
                  status=400 if errors else 200)


@login_required
@require_GET
def vacancy_import_template(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    response = HttpResponse("\ufeff" + template_header(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tyopaikat-pohja.csv"'
    return response


IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _employer_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [(str(e.pk), f"{e.name} ({e.business_id})") for e in selectors.employers_for(request.user).order_by("name")]


@login_required
@require_http_methods(["GET", "POST"])
def vacancy_new(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    need: RecruitmentNeed | None = None
    need_id = request.POST.get("need") or request.GET.get("tarve")
    if need_id and str(need_id).isdigit():
        need = RecruitmentNeed.objects.filter(pk=int(need_id), employer__in=selectors.employers_for(request.user)).first()
    initial: dict[str, Any] = {"hours": "full_time", "positions": 1}
    if need is not None:
        initial.update(employer=str(need.employer_id), description=need.description, positions=need.positions,
                       need=str(need.pk), municipality=need.employer.municipality_id or "")
    elif request.GET.get("tyonantaja", "").isdigit():
        initial["employer"] = request.GET["tyonantaja"]
    posted = request.POST.copy() if request.method == "POST" else None
    choices = {"employer_choices": _employer_choices(request), "municipality_choices": _municipality_choices(request)}
    if posted is not None and "ehdota" in posted:
        return _suggesting(request, posted, choices, {"need": need})
    form = forms.VacancyForm(posted, initial=initial, **choices)
    if posted is not None and form.is_valid():
        employer = get_object_or_404(selectors.employers_for(request.user), pk=int(form.cleaned_data["employer"]))
        try:
            vacancy = services.vacancy_create(actor=request.user, employer=employer, data=_vacancy_input(form),
                                              need=need)
        except ValidationFailed as failure:
            show_errors(form, failure)
        except AccessDenied:
            return _refused(request)
        else:
            messages.success(request, _("Avoin työpaikka %(title)s tallennettiin.") % {"title": vacancy.title})
            return redirect("employer_services:vacancy", vacancy_id=vacancy.pk)
    return render(request, "employer_services/vacancy_form.html", {
        "form": form, "suggestions": [], "need": need, "esco": catalogue()}, status=_status(form))


def _suggesting(request: HttpRequest, posted: Any, choices: dict[str, Any], context: dict[str, Any]) -> HttpResponse:
    """The form again with skills, licences and an occupation suggested from the description (with their
    evidence); suggesting is not saving, so nothing is refused yet."""
    found = extraction.extract(posted.get("description", ""))
    counted = [s for s in found if not s.negated]
    for key, kinds in (("required_skills", ("skill", "language")), ("licences", ("licence",))):
        chosen = set(posted.getlist(key)) | {s.concept.short for s in counted if s.concept.kind in kinds}
        posted.setlist(key, sorted(chosen))
    occupations = [s.concept.short for s in counted if s.concept.kind == "occupation"]
    if occupations and not posted.get("occupation"):
        posted["occupation"] = occupations[0]
    form = forms.VacancyForm(posted, **choices)
    form.fields["employer"].disabled = "editing" in context  # an edited vacancy keeps its employer
    form.is_valid()
    form.errors.clear()
    return render(request, "employer_services/vacancy_form.html", {
        "form": form, "suggestions": presenters.evidence(found), "esco": catalogue(), **context})


def _vacancy_input(form: forms.VacancyForm) -> services.VacancyInput:
    data = form.cleaned_data
    return services.VacancyInput(
        title=data["title"], municipality_code=data["municipality"] or None, description=data["description"],
        occupation=data["occupation"] or "", required_skills=tuple(_codes(data["required_skills"])),
        wished_skills=tuple(_codes(data["wished_skills"])), education_level=data["education_level"],
        licences=tuple(data["licences"]), languages=tuple(form.languages()), hours=data["hours"],
        positions=data["positions"], starts_on=data["starts_on"], ends_on=data["ends_on"], apply_by=data["apply_by"])


@login_required
@require_http_methods(["GET", "POST"])
def vacancy_edit(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    """Change an open vacancy: the same form as a new one, its employer fixed."""
    found = _vacancy_or_refusal(request, vacancy_id)
    if isinstance(found, HttpResponse):
        return found
    choices = {"employer_choices": [(str(found.employer_id), f"{found.employer.name} ({found.employer.business_id})")],
               "municipality_choices": _municipality_choices(request)}
    posted = request.POST.copy() if request.method == "POST" else None
    if posted is not None:
        posted["employer"] = str(found.employer_id)  # the employer stays
    if posted is not None and "ehdota" in posted:
        return _suggesting(request, posted, choices, {"editing": found})
    form = forms.VacancyForm(posted, initial=presenters.vacancy_initial(found), **choices)
    form.fields["employer"].disabled = True
    form.fields["version"].required = True  # the version the editor saw: a change made since is never overwritten
    if posted is not None and form.is_valid():
        try:
            services.vacancy_update(actor=request.user, vacancy=found, data=_vacancy_input(form),
                                    expected_version=form.cleaned_data["version"])
        except ValidationFailed as failure:
            show_errors(form, failure)
        except AccessDenied:
            return _refused(request)
        else:
            messages.success(request, _("Työpaikan tiedot tallennettiin."))
            return redirect("employer_services:vacancy", vacancy_id=found.pk)
    return render(request, "employer_services/vacancy_form.html", {
        "form": form, "suggestions": [], "editing": found, "esco": catalogue()}, status=_status(form))


def _vacancy_or_refusal(request: HttpRequest, vacancy_id: int) -> Vacancy | HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    vacancy = get_object_or_404(Vacancy.objects.select_related("employer", "municipality", "updated_by"), pk=vacancy_id)
    try:
        services.require_vacancy(request.user, vacancy)
    except AccessDenied:
        return _refused(request)
    return vacancy


def _requirements(vacancy: Vacancy) -> dict[str, Any]:
    return {
        "occupation": presenters.label_of(vacancy.occupation) if vacancy.occupation else "",
        "required": [presenters.label_of(c) for c in vacancy.required_skills],
        "wished": [presenters.label_of(c) for c in vacancy.wished_skills],
        "licences": [presenters.label_of(c) for c in vacancy.licences],
        "languages": [(presenters.label_of(row["code"]), presenters.level_label(row["level"]))
                      for row in vacancy.languages],
    }


@login_required
@require_http_methods(["GET", "POST"])
def vacancy(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    found = _vacancy_or_refusal(request, vacancy_id)
    if isinstance(found, HttpResponse):
        return found
    close_form = forms.VacancyCloseForm(request.POST if request.method == "POST" else None,
                                        initial={"applicants": found.applicants})
    if request.method == "POST" and close_form.is_valid():
        data = close_form.cleaned_data
        try:
            services.vacancy_close(actor=request.user, vacancy=found, status=data["status"],
                                   applicants=data["applicants"], outcome=data["outcome"])
        except ValidationFailed as failure:
            show_errors(close_form, failure)
        else:
            messages.success(request, _("Työpaikan tila tallennettiin."))
            return redirect("employer_services:vacancy", vacancy_id=found.pk)
    may_match = policy.allows(request.user, policy.Capability.MATCH_CANDIDATES)
    candidates = selectors.candidates(request.user, found, _today()) if may_match else []
    log_person_reads(user=request.user, person_ids=[c.person.pk for c in candidates],
                     action=AccessAction.CANDIDATE_LIST, purpose=MATCH_PURPOSE)
    closing = _closing(request, [c.match for c in candidates])
    rows = [{"candidate": c, "parts": presenters.breakdown(c.match, closing)} for c in candidates]
    return render(request, "employer_services/vacancy.html", {
        "vacancy": found, "requirements": _requirements(found), "rows": rows, "may_match": may_match,
        "offer_form": forms.OfferForm(initial={"offered_on": _today()}), "close_form": close_form,
        "offers": _offers_in_scope(request, found),
        "weights": matching.weights(), "any_below": any(c.below_for_licence for c in candidates),
    }, status=_status(close_form))


def _closing(request: HttpRequest, matches: Any) -> dict[str, list[Any]]:
    """The services of the reader's catalogue (every area's for register-wide roles; none without a catalogue) that
    teach what the matches miss."""
    scope = provision_scope_for(request.user)
    if scope is None:
        return {}
    return services_closing(presenters.missing_codes(matches), scope.area_id, _today())


def _offers_in_scope(request: HttpRequest, vacancy: Vacancy) -> list[JobOffer]:
    offers = list(vacancy.offers.select_related("person"))
    visible = selectors.in_matching_scope(request.user, [offer.person_id for offer in offers])
    shown = [offer for offer in offers if offer.person_id in visible]
    log_person_reads(user=request.user, person_ids=[o.person_id for o in shown], action=AccessAction.JOB_OFFER_OUTCOME,
                     purpose=MATCH_PURPOSE)
    return shown


@login_required
@require_POST
def offer_new(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    found = _vacancy_or_refusal(request, vacancy_id)
    if isinstance(found, HttpResponse):
        return found
    form = forms.OfferForm(request.POST)
    person = None
    if form.is_valid():
        person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        messages.error(request, _("Työnhakija: tuntematon henkilö."))
        return redirect("employer_services:vacancy", vacancy_id=found.pk)
    data = form.cleaned_data
    try:
        offer = services.offer_send(actor=request.user, vacancy=found, person=person, binding=data["binding"],
                                    offered_on=data["offered_on"], respond_by=data["respond_by"])
    except ValidationFailed as failure:
        if any(error.field == "person" and error.code == "forbidden" for error in failure.errors):
            log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.JOB_OFFER, purpose=MATCH_PURPOSE,
                        channel=AccessChannel.WEB)
        for error in failure.errors:
            messages.error(request, f"{presenters.field_label(error.field)}: {error.message}")
        return redirect("employer_services:vacancy", vacancy_id=found.pk)
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.JOB_OFFER, purpose=MATCH_PURPOSE)
    messages.success(request, _("Työtarjous lähetettiin."))
    return redirect("employer_services:offer", offer_id=offer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    record = get_object_or_404(JobOffer.objects.select_related("vacancy__employer", "person"), pk=offer_id)
    try:
        services.require_vacancy(request.user, record.vacancy)
        if not policy.may_match(request.user, record.person):
            raise AccessDenied("scope")
    except AccessDenied:
        log_refused(user=request.user, person_ids=[record.person_id], action=AccessAction.JOB_OFFER_OUTCOME,
                    purpose=MATCH_PURPOSE, channel=AccessChannel.WEB)
        return _refused(request)
    form = forms.OfferOutcomeForm(request.POST if request.method == "POST" else None, initial={
        "response": record.response, "outcome": record.outcome, "outcome_on": record.outcome_on,
        "refusal_reason": record.refusal_reason, "version": record.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.offer_record(actor=request.user, offer=record, response=data["response"], outcome=data["outcome"],
                                  outcome_on=data["outcome_on"], refusal_reason=data["refusal_reason"],
                                  expected_version=data["version"], today=_today())
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            log_person_reads(user=request.user, person_ids=[record.person_id], action=AccessAction.JOB_OFFER_OUTCOME,
                             purpose=MATCH_PURPOSE)
            messages.success(request, _("Työtarjouksen tulos tallennettiin."))
            return redirect("employer_services:offer", offer_id=record.pk)
    else:
        log_person_reads(user=request.user, person_ids=[record.person_id], action=AccessAction.JOB_OFFER_OUTCOME,
                         purpose=MATCH_PURPOSE)
    return render(request, "employer_services/offer.html", {"offer": record, "form": form}, status=_status(form))


@login_required
@require_POST
def feedback(request: HttpRequest, vacancy_id: int) -> HttpResponse:
    found = _vacancy_or_refusal(request, vacancy_id)
    if isinstance(found, HttpResponse):
        return found
    person_key = _uuid(request.POST.get("person", ""))
    person = Person.objects.filter(pk=person_key).first() if person_key is not None else None
    profile = CompetenceProfile.objects.filter(person=person).first() if person else None
    if person is None or profile is None or not policy.may_match(request.user, person):
        messages.error(request, _("Työnhakija: ei rajauksessasi."))
        return redirect("employer_services:vacancy", vacancy_id=found.pk)
    home = selectors.homes_on([person.pk], _today()).get(person.pk, "")
    area = frozenset(policy.area_municipality_set(found.area_id))
    match = matching.score(selectors.vacancy_spec(found), selectors.profile_spec(profile, home, area))
    services.feedback_give(actor=request.user, vacancy=found, person=person, useful=request.POST.get("hyodyllinen") == "1",
                           score=match.score, weights_version=matching.weights().version)
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.MATCH_FEEDBACK, purpose=MATCH_PURPOSE)
    messages.success(request, _("Kiitos, palaute tallennettiin."))
    return redirect(reverse("employer_services:vacancy", args=[found.pk]) + "#ehdokkaat")


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


# --- competence profiles -------------------------------------------------------------------------------------------


@login_required
@require_GET
def profile_export(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """The competence profile as a file to enter into the state's job-search profile: for those who record the
    client's data (their counsellor), an access-logged read."""
    person = get_object_or_404(Person, pk=person_id)
    if not policy.may_match(request.user, person) or not policy.allows(
            request.user, policy.Capability.RECORD_PERSON_DATA, person):
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.COMPETENCE_PROFILE_EXPORT,
                    purpose=MATCH_PURPOSE, channel=AccessChannel.WEB)
        return forbidden(request, _("Osaamisprofiilin vie työnhakuprofiiliin työnhakijan ohjaaja."))
    record = get_object_or_404(CompetenceProfile, person=person)
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.COMPETENCE_PROFILE_EXPORT,
                     purpose=MATCH_PURPOSE)
    document = profile_document(record, exported_at=timezone.now())
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    # The file is named by the day, never by the person (no name nor identity code in a download's name or address).
    response["Content-Disposition"] = f'attachment; filename="tyonhakuprofiili-{timezone.localdate().isoformat()}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, person_id: UUID) -> HttpResponse:
    """A job seeker's competence profile, the form to fill it (for those who record the person's data), and the
    vacancies that fit best."""
    person = get_object_or_404(Person, pk=person_id)
    if not policy.may_match(request.user, person):
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.COMPETENCE_PROFILE,
                    purpose=MATCH_PURPOSE, channel=AccessChannel.WEB)
        return forbidden(request, _("Työnhakija ei kuulu rajaukseesi."))
    record = CompetenceProfile.objects.filter(person=person).first()
    may_edit = policy.allows(request.user, policy.Capability.RECORD_PERSON_DATA, person)
    form = None
    suggestions: list[presenters.EvidenceRow] = []
    if may_edit:
        posted = request.POST.copy() if request.method == "POST" else None
        if posted is not None and "ehdota" in posted:
            form, found = forms.suggested_profile(posted)
            suggestions = presenters.evidence(found)
        else:
            form = forms.ProfileForm(posted, initial=presenters.profile_initial(record))
            if posted is not None and form.is_valid():
                try:
                    services.profile_save(actor=request.user, person=person, data=form.profile_input(),
                                          expected_version=form.cleaned_data["version"])
                except ValidationFailed as failure:
                    show_errors(form, failure)
                else:
                    person_access(user=request.user, person=person, write=True,
                                  action=AccessAction.COMPETENCE_PROFILE_EDIT, purpose=MATCH_PURPOSE,
                                  channel=AccessChannel.WEB)
                    messages.success(request, _("Osaamisprofiili tallennettiin."))
                    return redirect("employer_services:profile", person_id=person.pk)
    elif request.method == "POST":
        return forbidden(request, _("Osaamisprofiilin kirjaa työnhakijan ohjaaja."))
    log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.COMPETENCE_PROFILE,
                     purpose=MATCH_PURPOSE)
    suggestions_for: list[dict[str, Any]] = []
    if record is not None and policy.may_use_employer_services(request.user):
        vacancies = selectors.vacancies_for_person(request.user, record, _today(), limit=10)
        closing = _closing(request, [v.match for v in vacancies])
        suggestions_for = [{"suggestion": v, "parts": presenters.breakdown(v.match, closing)} for v in vacancies]
    return render(request, "employer_services/profile.html", {
        "person": person, "profile": record, "summary": presenters.profile_summary(record), "form": form,
        "refer_person": person if form is not None else None,  # the client's counsellor may refer them to a service
        "suggestions": suggestions, "vacancy_rows": suggestions_for, "esco": catalogue(),
        "offers": JobOffer.objects.filter(person=person).select_related("vacancy__employer"),
    }, status=_status(form) if form is not None else 200)


# --- figures -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    refused = _gate(request)
    if refused:
        return refused
    result = selectors.figures(request.user, _today())
    offers_label, hired_label, contacts_label = _("Työtarjoukset"), _("Työllistyi"), _("Työnantajakontaktit")
    rows: list[dict[str, Any]] = []
    for month in result.months:
        rows += [{"month": month.month, "series": offers_label, "count": month.offers},
                 {"month": month.month, "series": hired_label, "count": month.hired},
                 {"month": month.month, "series": contacts_label, "count": month.contacts}]
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 640, "height": 260,
            "mark": {"type": "line", "point": True}, "data": {"values": rows}, "config": {"font": "sans-serif"},
            "encoding": {"x": {"field": "month", "type": "ordinal", "title": None, "axis": {"labelAngle": -45}},
                         "y": {"field": "count", "type": "quantitative", "title": _("lukumäärä")},
                         "color": {"field": "series", "type": "nominal", "title": None}}}
    chart = Chart(spec, title=_("Työtarjoukset, työllistyneet ja työnantajakontaktit kuukausittain"),
                  description=_("Luvut ovat taulukossa kaavion alla."), id_prefix="tyonantajapalvelut")
    placements = selectors.placements_after_subsidy(request.user, _today())
    return render(request, "employer_services/figures.html", {
        "figures": result, "chart": chart, "placements": placements, "rules": follow_up_rules(),
        # Readers who see aggregates only (job agents) get the small counts hidden.
        "placement": presenters.placement_view(placements, suppress=not policy.can_see_person_level_data(request.user)),
        # The figures' definitions and their monthly series by municipality are the KPI catalogue's indicators.
        "definitions": policy.allows(request.user, policy.Capability.VIEW_AGGREGATES)})
