"""The job seeker's own pages (``/oma/``) and the staff pages about what clients do there (``/asiakasportaali/``).

A portal page reaches exactly one person: the signed-in client's own (``policy.client_person_id``), never one named
by the URL; an id in a URL (a consent, a booking) is looked up among the client's own rows only, so changing it
finds nothing. Every page and every action writes the access log against the client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from polku.access import client_identity, policy
from polku.access.models import AccessAction, AccessChannel
from polku.access.services import log_person_reads, log_refused
from polku.casework import booking
from polku.casework.models import MeetingChannel
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.employer_services import forms as profile_forms
from polku.employer_services import presenters as profile_presenters
from polku.employer_services import services as profile_services
from polku.employer_services.esco import catalogue
from polku.employer_services.models import CompetenceProfile
from polku.employer_services.selectors import PRESENT_TO_EMPLOYERS
from polku.people.models import Person
from polku.portal import forms, notifications, presenters, referrals, selectors, services, sms
from polku.portal.catalogue import consent_catalogue, pick, questionnaire
from polku.portal.models import (
    AgencyReferral,
    Consent,
    FeedbackAnswer,
    FeedbackInvitation,
    FilledBy,
    NotificationAddress,
    ReportedApplication,
    SubjectAccessRequest,
)
from polku.web import form_flow
from polku.web.charts import Chart
from polku.web.views import forbidden

PURPOSE = gettext_noop("oma asiointi")
SIGN_IN = "/oma/kirjaudu/"


def client_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only a signed-in client, over their own data; anyone else goes to the portal's sign-in page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policy.may_use_portal(request.user):
            return redirect(f"{SIGN_IN}?next={request.path}")
        person = Person.objects.select_related("team").get(pk=policy.client_person_id(request.user))
        return view(request, person, *args, **kwargs)

    return wrapper


def _log(request: HttpRequest, person: Person, action: AccessAction, purpose: str = PURPOSE) -> None:
    log_person_reads(user=request.user, person_ids=[person.pk], action=action, purpose=purpose,
                     channel=AccessChannel.WEB)


def _page(request: HttpRequest, template: str, person: Person, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, template, {"person": person, **context}, status=status)


# --- sign-in -----------------------------------------------------------------------------------------------------


@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    if policy.may_use_portal(request.user):
        return redirect("portal:home")
    failed = request.GET.get("tunnistus") == "epaonnistui"
    return render(request, "portal/sign_in.html", {"enabled": client_identity.enabled(), "failed": failed,
                                                    "next": request.GET.get("next", "")}, status=200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("Olet kirjautunut ulos."))
    return redirect(SIGN_IN)


# --- the client's pages ---------------------------------------------------------------------------------------------


@require_GET
@client_page
def home(request: HttpRequest, person: Person) -> HttpResponse:
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: etusivu"))
    services.ensure_feedback_invitations(person)
    return _page(request, "portal/home.html", person, view=selectors.overview(person),
                 joint_meetings=presenters.coming_joint_meetings(person))


@require_GET
@client_page
def plan(request: HttpRequest, person: Person) -> HttpResponse:
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: suunnitelma ja palvelut"))
    return _page(request, "portal/plan.html", person, view=selectors.overview(person),
                 agency_referrals=presenters.agency_referral_rows(person))


@require_http_methods(["GET", "POST"])
@client_page
def applications(request: HttpRequest, person: Person) -> HttpResponse:
    form = forms.ApplicationForm(request.POST if request.method == "POST" else None)
    done = form_flow.saved(request, form, lambda data: services.report_application(
        person=person, applied_on=data["applied_on"], employer=data["employer"], job_title=data["job_title"],
        actor=request.user))
    if done is not None:
        _log(request, person, AccessAction.PORTAL_APPLICATION_REPORT)
        messages.success(request, _("Hakemus ilmoitettu. Kiitos!"))
        return redirect("portal:applications")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: hakemukset"))
    return _page(request, "portal/applications.html", person, 400 if form.errors else 200, form=form,
                 view=selectors.overview(person),
                 reported=ReportedApplication.objects.filter(person=person)[:50])


def _assessment_saved(request: HttpRequest, person: Person, form: forms.SelfAssessmentForm, filled_by: str) -> bool:
    """A posted self-assessment saved; else False, and on a refused one each unanswered question is on the form."""
    if request.method != "POST":
        return False
    form.is_valid()  # shape only: the service names every unanswered question
    try:
        services.submit_self_assessment(person=person, answers=dict(request.POST.items()),
                                        work_ability=request.POST.get("work_ability"), actor=request.user,
                                        filled_by=filled_by)
    except ValidationFailed as failure:
        form_flow.show_errors(form, failure)
        return False
    return True


@require_http_methods(["GET", "POST"])
@client_page
def self_assessment(request: HttpRequest, person: Person) -> HttpResponse:
    form = forms.SelfAssessmentForm(request.POST if request.method == "POST" else None)
    if _assessment_saved(request, person, form, FilledBy.CLIENT):
        _log(request, person, AccessAction.PORTAL_SELF_ASSESSMENT)
        messages.success(request, _("Itsearvio tallennettu. Ohjaajasi näkee sen ennen tapaamista."))
        return redirect("portal:self_assessment")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: itsearvio"))
    history = selectors.assessment_history(person)
    return _page(request, "portal/self_assessment.html", person, 400 if form.errors else 200, form=form,
                 questionnaire=questionnaire(), source=pick(questionnaire().source), history=history,
                 domains=[(d.code, pick(d.name)) for d in questionnaire().domains])


@require_http_methods(["GET", "POST"])
@client_page
def competence(request: HttpRequest, person: Person) -> HttpResponse:
    """The client's own competence profile: what vacancies are matched with. The job seeker fills it themselves
    (HE 108/2025: the authority writes it only when the client does not); their counsellor sees the same profile and
    may complete it, and neither overwrites the other's change unseen."""
    record = CompetenceProfile.objects.filter(person=person).select_related("updated_by").first()
    posted = request.POST.copy() if request.method == "POST" else None
    suggestions: list[Any] = []
    if posted is not None and "ehdota" in posted:
        form, found = profile_forms.suggested_profile(posted)
        suggestions = profile_presenters.evidence(found)
    else:
        form = profile_forms.ProfileForm(posted, initial=profile_presenters.profile_initial(record))
        if posted is not None and form.is_valid():
            try:
                profile_services.profile_save(actor=request.user, person=person, data=form.profile_input(),
                                              expected_version=form.cleaned_data["version"], by_client=True)
            except ValidationFailed as failure:
                form_flow.show_errors(form, failure)
            else:
                _log(request, person, AccessAction.PORTAL_COMPETENCE_PROFILE)
                messages.success(request, _("Osaamisprofiilisi tallennettiin. Ohjaajasi näkee sen."))
                return redirect("portal:competence")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: osaamisprofiili"))
    purpose, recipient = PRESENT_TO_EMPLOYERS
    sharing = consent_catalogue().purpose(purpose)
    return _page(request, "portal/competence.html", person, 400 if form.errors else 200, form=form, profile=record,
                 summary=profile_presenters.profile_summary(record), suggestions=suggestions, esco=catalogue(),
                 presented=services.consent_in_force(person, purpose, recipient), sharing_purpose=purpose,
                 sharing_recipient=recipient, sharing_text=pick(sharing.text) if sharing else "")


def _slot_label(slot: Any, due_by: Any = None) -> str:
    when = formats.date_format(timezone.localtime(slot.starts_at), "SHORT_DATETIME_FORMAT")
    label = f"{when} · {MeetingChannel(slot.channel).label} · {selectors.counsellor_name(slot.counsellor)}"
    if due_by is not None and timezone.localtime(slot.starts_at).date() > due_by:
        label += " · " + _("määräajan jälkeen")
    return label


@require_http_methods(["GET", "POST"])
@client_page
def bookings(request: HttpRequest, person: Person) -> HttpResponse:
    allowed = selectors.bookable_counsellor_ids(person)
    offered = list(booking.free_slots_for(person, allowed)[:60])
    away = referrals.counsellor_away(offered)  # the counsellor is in a joint meeting then
    free = [s for s in offered if s.pk not in away][:40]
    due_by = booking.meeting_due_by(person)
    form = forms.BookingForm(request.POST if request.method == "POST" else None,
                             slots=[(s.pk, _slot_label(s, due_by)) for s in free])
    moving = request.POST.get("move_from") or request.GET.get("siirra")
    move_from = int(moving) if moving and moving.isdigit() and len(moving) < 10 else None
    if request.method == "POST":
        slot_id = request.POST.get("slot")
        chosen = int(slot_id) if slot_id and slot_id.isdigit() and len(slot_id) < 10 else None
        try:
            slot = referrals.book_free_time(person=person, slot_id=chosen, move_from=move_from,
                                            allowed_counsellor_ids=allowed)
        except ValidationFailed as failure:
            form.is_valid()
            form.errors.clear()  # the service's reason (taken, passed, not yours) is the one to show
            form_flow.show_errors(form, failure)
        else:
            _log(request, person, AccessAction.PORTAL_BOOKING, gettext_noop("oma asiointi: ajan varaus") if move_from is None
                 else gettext_noop("oma asiointi: ajan siirto"))
            messages.success(request, _("Aika varattu. Se näkyy ohjaajasi työlistalla."))
            if due_by is not None and timezone.localtime(slot.starts_at).date() > due_by:
                messages.warning(request, _("Varaamasi aika on myöhemmin kuin tapaamisen määräaika %(day)s. Jos löydät "
                                            "aiemman ajan, siirrä varaus; muuten ohjaajasi ottaa yhteyttä.")
                                 % {"day": formats.date_format(due_by, "SHORT_DATE_FORMAT")})
            return redirect("portal:bookings")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: ajanvaraus"))
    return _page(request, "portal/bookings.html", person, 400 if form.errors else 200, form=form, due_by=due_by,
                 mine=[(s, _slot_label(s), booking.may_still_cancel(s)) for s in booking.bookings_of(person)],
                 move_from=move_from, notice_hours=settings.POLKU_PORTAL_CANCEL_NOTICE_HOURS)


def _end_own(request: HttpRequest, person: Person, end: Callable[[], Any], *, action: AccessAction, refused: str,
             done: str, message: str, back: str) -> HttpResponse:
    """End something of the client's own (a booking, a consent) and go back to its page. An id that is not theirs
    (or no longer there) is logged as a refused attempt; any other reason (too late, say) is only shown."""
    try:
        end()
    except ValidationFailed as failure:
        if failure.errors[0].code == ErrorCode.UNKNOWN:
            log_refused(user=request.user, person_ids=[person.pk], action=action, purpose=refused,
                        channel=AccessChannel.WEB)
        messages.error(request, failure.errors[0].message)
        return redirect(back)
    _log(request, person, action, done)
    messages.success(request, message)
    return redirect(back)


@require_POST
@client_page
def booking_cancel(request: HttpRequest, person: Person, slot_id: int) -> HttpResponse:
    return _end_own(request, person, lambda: booking.cancel(person=person, slot_id=slot_id),
                    action=AccessAction.PORTAL_BOOKING, refused=gettext_noop("oma asiointi: peruttavaa varausta ei löydy"),
                    done=gettext_noop("oma asiointi: ajan peruminen"), message=_("Varaus peruttu."), back="portal:bookings")


@require_http_methods(["GET", "POST"])
@client_page
def consents(request: HttpRequest, person: Person) -> HttpResponse:
    form = forms.ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            services.give_consent(person=person, purpose=request.POST.get("purpose", ""),
                                  recipient=request.POST.get("recipient", ""), actor=request.user,
                                  language=get_language())
        except ValidationFailed as failure:
            form.is_valid()
            form_flow.show_errors(form, failure)
        else:
            _log(request, person, AccessAction.PORTAL_CONSENT, gettext_noop("oma asiointi: suostumuksen antaminen"))
            messages.success(request, _("Suostumus annettu."))
            return redirect("portal:consents")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: suostumukset"))
    catalogue = consent_catalogue()
    rows = [{"consent": c, "purpose": catalogue.purpose_name(c.purpose), "recipient": catalogue.recipient_name(c.recipient),
             "categories": catalogue.category_names(c.categories)} for c in Consent.objects.filter(person=person)]
    purposes = [{"name": pick(p.name), "text": pick(p.text),
                 "recipients": ", ".join(catalogue.recipient_name(r) for r in p.recipients),
                 "categories": catalogue.category_names(p.categories)} for p in catalogue.purposes]
    return _page(request, "portal/consents.html", person, 400 if form.errors else 200, form=form, rows=rows,
                 purposes=purposes)


@require_POST
@client_page
def consent_withdraw(request: HttpRequest, person: Person, consent_id: int) -> HttpResponse:
    return _end_own(request, person, lambda: services.withdraw_consent(person=person, consent_id=consent_id),
                    action=AccessAction.PORTAL_CONSENT, refused=gettext_noop("oma asiointi: peruttavaa suostumusta ei löydy"),
                    done=gettext_noop("oma asiointi: suostumuksen peruminen"),
                    message=_("Suostumus peruttu. Tietoja ei enää luovuteta sen perusteella."), back="portal:consents")


@require_http_methods(["GET", "POST"])
@client_page
def message_thread(request: HttpRequest, person: Person) -> HttpResponse:
    """The thread with the counsellor, and where the client wants to hear of new messages."""
    choosing = request.method == "POST" and request.POST.get("lomake") == "ilmoitukset"
    form = forms.MessageForm(request.POST if request.method == "POST" and not choosing else None)
    address = NotificationAddress.objects.filter(person=person).first()
    initial = {} if address is None else {"email": address.email, "phone": address.phone,
                                          "by_email": address.by_email, "by_sms": address.by_sms}
    notify_form = forms.NotificationForm(request.POST if choosing else None, initial=initial)
    if choosing:
        done = form_flow.saved(request, notify_form, lambda data: notifications.set_address(
            person=person, email=data["email"], phone=data.get("phone", ""), by_email=data["by_email"],
            by_sms=data.get("by_sms", False)))
        if done is not None:
            _log(request, person, AccessAction.PORTAL_NOTIFICATION_ADDRESS)
            messages.success(request, _("Ilmoitusasetukset tallennettiin."))
            return redirect("portal:messages")
    else:
        done = form_flow.saved(request, form, lambda data: services.send_message(
            person=person, body=data["body"], from_client=True, author=request.user))
        if done is not None:
            _log(request, person, AccessAction.PORTAL_MESSAGE)
            messages.success(request, _("Viesti lähetetty ohjaajallesi."))
            return redirect("portal:messages")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: viestit"))
    services.mark_read(person, by_client=True)
    failed = bool(form.errors or notify_form.errors)
    return _page(request, "portal/messages.html", person, 400 if failed else 200, form=form, notify_form=notify_form,
                 sms_enabled=sms.enabled(),
                 thread=selectors.message_thread(person), view=selectors.overview(person))


@require_GET
@client_page
def who_viewed(request: HttpRequest, person: Person) -> HttpResponse:
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: kuka katsoi tietojani"))
    return _page(request, "portal/who_viewed.html", person, rows=selectors.who_viewed(person),
                 open_request=SubjectAccessRequest.objects.filter(person=person, handled_at__isnull=True).first())


@require_POST
@client_page
def subject_access_request(request: HttpRequest, person: Person) -> HttpResponse:
    services.request_subject_access(person=person)
    _log(request, person, AccessAction.PORTAL_SUBJECT_ACCESS_REQUEST)
    messages.success(request, _("Pyyntö vastaanotettu. Tietosuojavastaava toimittaa tietosi kuukauden kuluessa."))
    return redirect("portal:who_viewed")


@require_http_methods(["GET", "POST"])
@client_page
def feedback(request: HttpRequest, person: Person, invitation_id: int) -> HttpResponse:
    invitation = FeedbackInvitation.objects.filter(pk=invitation_id, person=person, answered=False).first()
    if invitation is None:
        log_refused(user=request.user, person_ids=[person.pk], action=AccessAction.PORTAL_FEEDBACK,
                    purpose=gettext_noop("oma asiointi: kyselyä ei löydy"), channel=AccessChannel.WEB)
        messages.error(request, _("Kyselyä ei löydy tai siihen on jo vastattu."))
        return redirect("portal:home")
    form = forms.FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        form.is_valid()
        try:
            services.answer_feedback(person=person, invitation_id=invitation.pk,
                                     satisfaction=request.POST.get("satisfaction"), useful=request.POST.get("useful"))
        except ValidationFailed as failure:
            form_flow.show_errors(form, failure)
        else:
            _log(request, person, AccessAction.PORTAL_FEEDBACK)
            messages.success(request, _("Kiitos palautteestasi! Vastaukset käsitellään nimettöminä."))
            return redirect("portal:home")
    _log(request, person, AccessAction.PORTAL_VIEW, gettext_noop("oma asiointi: palaute"))
    return _page(request, "portal/feedback.html", person, 400 if form.errors else 200, form=form,
                 invitation=invitation)


# --- staff pages about the portal ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def free_times(request: HttpRequest) -> HttpResponse:
    """A counsellor publishes free times and sees which are booked."""
    if not policy.may_publish_free_times(request.user):
        return forbidden(request, _("Vapaita aikoja julkaisevat ohjaajat ja tiiminvetäjät."))
    form = forms.FreeTimeForm(request.POST if request.method == "POST" else None)
    done = form_flow.saved(request, form, lambda data: booking.publish_slot(
        counsellor=request.user, starts_at=data["starts_at"], minutes=data["minutes"], channel=data["channel"]))
    if done is not None:
        messages.success(request, _("Vapaa aika julkaistu."))
        return redirect("portal_staff:free_times")
    slots = list(booking.AppointmentSlot.objects.filter(counsellor_id=request.user.pk, starts_at__gte=timezone.now())
                 .select_related("person")[:200])
    booked = [s.person_id for s in slots if s.person_id]
    if booked:
        log_person_reads(user=request.user, person_ids=booked, action=AccessAction.WORKLIST,
                         purpose=gettext_noop("varatut tapaamiset"), channel=AccessChannel.WEB)
    return render(request, "portal/staff_free_times.html", {"form": form, "slots": slots},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def service_change(request: HttpRequest) -> HttpResponse:
    """Managers (and anyone with aggregates): self-assessment change per service, small groups hidden."""
    if not policy.allows(request.user, policy.Capability.VIEW_AGGREGATES):
        return forbidden(request, _("Roolillasi ei ole koostetietoja."))
    try:
        area_id = policy.aggregate_area_id(request.user)
    except AccessDenied:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty työllisyysaluetta tai sen kuntia."))
    persons = policy.persons_in_area(area_id)
    rows = selectors.change_per_service(persons)
    answers = FeedbackAnswer.objects.all() if area_id is None else FeedbackAnswer.objects.filter(area_id=area_id)
    chart_rows = [{"service": r.service_type, "when": label, "value": value}
                  for r in rows if isinstance(r.first, float | int) and not isinstance(r.first, bool)
                  for label, value in ((_("ensimmäinen"), r.first), (_("viimeisin"), r.latest))]
    chart = Chart({"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": 240,
                   "data": {"values": chart_rows}, "mark": "bar",
                   "encoding": {"y": {"field": "service", "type": "nominal", "title": _("Palvelu")},
                                "yOffset": {"field": "when"},
                                "x": {"field": "value", "type": "quantitative", "title": _("Työkyky (0–10)"),
                                      "scale": {"domain": [0, 10]}},
                                "color": {"field": "when", "type": "nominal", "title": ""}}},
                  title=_("Työkyky ensimmäisessä ja viimeisimmässä itsearviossa palveluittain"),
                  description=_("Keskiarvot; alle viiden henkilön ryhmät piilotettu. Luvut taulukossa."),
                  id_prefix="itsearvio-muutos")
    return render(request, "portal/staff_service_change.html", {
        "rows": rows, "chart": chart, "by_service": selectors.feedback_figures(answers, "service"),
        "by_team": selectors.feedback_figures(answers, "team"), "counts": selectors.portal_counts(persons, answers),
        "k": selectors.SMALL_GROUP})


@login_required
@require_GET
def consent_records(request: HttpRequest) -> HttpResponse:
    """The data protection officer sees every consent record and the clients' requests for their data."""
    if not policy.can_read_consent_records(request.user):
        return forbidden(request, _("Suostumusrekisteriä valvoo tietosuojavastaava."))
    records = list(selectors.consent_records())
    requests_ = list(SubjectAccessRequest.objects.select_related("person").order_by("-requested_at")[:200])
    person_ids = {c.person_id for c in records} | {r.person_id for r in requests_}
    if person_ids:
        log_person_reads(user=request.user, person_ids=person_ids, action=AccessAction.CONSENT_RECORDS,
                         purpose=gettext_noop("suostumusrekisterin valvonta"), channel=AccessChannel.WEB)
    catalogue = consent_catalogue()
    rows = [{"consent": c, "purpose": catalogue.purpose_name(c.purpose), "recipient": catalogue.recipient_name(c.recipient),
             "categories": catalogue.category_names(c.categories),
             "url": reverse("web:person_detail", args=[c.person_id])} for c in records]
    return render(request, "portal/staff_consents.html", {"rows": rows, "requests": requests_})


def _staff_writes_for(request: HttpRequest, person_id: Any, action: AccessAction) -> Person | HttpResponse:
    """The person a member of staff writes for from the client record, once the right to write is checked and the
    access logged; else the refusal page."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return forbidden(request, _("Henkilöä ei löydy."))
    refused = form_flow.write_refused(request, person, action)
    return person if refused is None else refused


@login_required
@require_POST
def staff_message(request: HttpRequest, person_id: Any) -> HttpResponse:
    """A counsellor answers the client's messages from the client record."""
    person = _staff_writes_for(request, person_id, AccessAction.PORTAL_MESSAGE_REPLY)
    if isinstance(person, HttpResponse):
        return person
    try:
        services.send_message(person=person, body=request.POST.get("body", ""), from_client=False, author=request.user)
    except ValidationFailed as failure:
        messages.error(request, failure.errors[0].message)
    else:
        services.mark_read(person, by_client=False)
        messages.success(request, _("Viesti lähetetty asiakkaalle. Hänelle lähtee ilmoitus ilman viestin sisältöä."))
    return redirect(form_flow.record_url(person, "oma-asiointi"))


@login_required
@require_http_methods(["GET", "POST"])
def staff_self_assessment(request: HttpRequest, person_id: Any) -> HttpResponse:
    """The counsellor fills the self-assessment with the client (at a meeting, or on the phone): the same questions,
    recorded as filled with the counsellor, so the history tells the two apart."""
    person = _staff_writes_for(request, person_id, AccessAction.PORTAL_SELF_ASSESSMENT)
    if isinstance(person, HttpResponse):
        return person
    form = forms.SelfAssessmentForm(request.POST if request.method == "POST" else None)
    if _assessment_saved(request, person, form, FilledBy.COUNSELLOR):
        messages.success(request, _("Itsearvio tallennettiin asiakkaan kanssa täytettynä."))
        return redirect(form_flow.record_url(person, "oma-asiointi"))
    return render(request, "portal/staff_self_assessment.html", {
        "form": form, "person": person, "source": pick(questionnaire().source)}, status=400 if form.errors else 200)


@login_required
@require_POST
def agency_referral(request: HttpRequest, person_id: Any) -> HttpResponse:
    """A counsellor refers the client to another agency; the plan goes with it as far as the client's consent allows."""
    person = _staff_writes_for(request, person_id, AccessAction.AGENCY_REFERRAL)
    if isinstance(person, HttpResponse):
        return person
    try:
        referral = referrals.refer(person=person, recipient=request.POST.get("recipient", ""),
                                   reason=request.POST.get("reason", ""), actor=request.user)
    except ValidationFailed as failure:
        messages.error(request, " ".join(e.message for e in failure.errors))
    else:
        log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.CONSENT_USE,
                         purpose=f"ohjaus: {referral.recipient}", channel=AccessChannel.WEB)
        messages.success(request, _("Ohjaus lähetetty: %(recipient)s. Mukana vain asiakkaan suostumuksen mukaiset "
                                    "tiedot.") % {"recipient": consent_catalogue().recipient_name(referral.recipient)})
    return redirect(form_flow.record_url(person, "oma-asiointi"))


def _referral_to_write(request: HttpRequest, agency_referral_id: int) -> AgencyReferral | HttpResponse:
    """The referral a member of staff records on, once the right to write for its person is checked and the access
    logged; else the refusal page."""
    referral = AgencyReferral.objects.filter(pk=agency_referral_id).select_related("person").first()
    if referral is None:
        return forbidden(request, _("Ohjausta ei löydy."))
    refused = form_flow.write_refused(request, referral.person, AccessAction.AGENCY_REFERRAL)
    return referral if refused is None else refused


def _referral_update(request: HttpRequest, agency_referral_id: int, update: Callable[[AgencyReferral], object],
                     done: str) -> HttpResponse:
    """Record on a referral what the agency reported or a joint meeting, for one whose data the user may record."""
    referral = _referral_to_write(request, agency_referral_id)
    if isinstance(referral, HttpResponse):
        return referral
    try:
        update(referral)
    except ValidationFailed as failure:
        messages.error(request, " ".join(e.message for e in failure.errors))
    else:
        messages.success(request, done)
    return redirect(form_flow.record_url(referral.person, "oma-asiointi"))


@login_required
@require_POST
def referral_status(request: HttpRequest, agency_referral_id: int) -> HttpResponse:
    return _referral_update(request, agency_referral_id, lambda referral: referrals.record_status(
        referral=referral, status=request.POST.get("status", ""), note=request.POST.get("note", ""),
        actor=request.user), _("Ohjauksen tila tallennettiin."))


@login_required
@require_http_methods(["GET", "POST"])
def referral_meeting(request: HttpRequest, agency_referral_id: int) -> HttpResponse:
    """The joint meeting of a referral: book it with all parties (or move or call it off), and record it once held,
    its agreed tasks going into the plan. A refused form comes back with what was typed and each field's reason."""
    referral = _referral_to_write(request, agency_referral_id)
    if isinstance(referral, HttpResponse):
        return referral
    action = request.POST.get("action", "record") if request.method == "POST" else ""
    catalogue = consent_catalogue()
    parties = [(c.recipient, catalogue.recipient_name(c.recipient)) for c in services.consents_in_force(
        referral.person, services.SHARE_PLAN).exclude(recipient=referral.recipient)]
    booked = referral.meeting_starts_at
    book_form = forms.JointMeetingForm(request.POST if action == "book" else None, parties=parties, initial={
        "starts_at": timezone.localtime(booked) if booked else None, "minutes": referral.meeting_minutes or 60,
        "channel": referral.meeting_channel or MeetingChannel.FACE_TO_FACE, "place": referral.meeting_place,
        "other_parties": referral.meeting_parties[1:]})
    held_form = forms.HeldMeetingForm(request.POST if action == "record" else None,
                                      initial={"held_on": timezone.localtime(booked).date() if booked else None})
    done = None
    if action == "book":
        done = form_flow.saved(request, book_form, lambda data: referrals.book_joint_meeting(
            referral=referral, starts_at=data["starts_at"], minutes=data["minutes"], channel=data["channel"],
            place=data["place"], other_parties=data.get("other_parties", []), actor=request.user))
        message = _("Yhteistapaaminen varattiin. Asiakas näkee sen omassa asioinnissaan ja saa ilmoituksen; kutsu "
                    "muut tahot heidän omissa järjestelmissään.")
    elif action == "cancel":
        try:
            done = form_flow.Saved(referrals.cancel_joint_meeting(referral=referral, actor=request.user))
        except ValidationFailed as failure:
            messages.error(request, failure.errors[0].message)
        message = _("Yhteistapaaminen peruttiin. Asiakas saa ilmoituksen; kerro muille tahoille.")
    elif action == "record":
        def record(data: dict[str, Any]) -> object:
            updated = referrals.record_joint_meeting(referral=referral, held_on=data["held_on"],
                                                     agreed_tasks=data["agreed_tasks"], actor=request.user)
            # The plan changed too: its own entry in the access log, as when the plan form is saved.
            log_person_reads(user=request.user, person_ids=[referral.person_id], action=AccessAction.PLAN_EDIT,
                             purpose="yhteistapaaminen", channel=AccessChannel.WEB)
            return updated

        done = form_flow.saved(request, held_form, record)
        message = _("Yhteistapaaminen kirjattiin ja sovitut tehtävät lisättiin suunnitelmaan.")
    if done is not None:
        messages.success(request, message)
        return redirect(form_flow.record_url(referral.person, "ohjaukset"))
    failed = bool(book_form.errors or held_form.errors)
    return render(request, "portal/staff_joint_meeting.html", {
        "referral": referral, "person": referral.person, "recipient": catalogue.recipient_name(referral.recipient),
        "book_form": book_form, "held_form": held_form, "booked": presenters.booked_meeting(referral)},
        status=400 if failed else 200)


@login_required
@require_POST
def disclose_plan(request: HttpRequest, person_id: Any) -> HttpResponse:
    """A counsellor sends the client's plan to another agency: the consent is checked at this moment."""
    person = _staff_writes_for(request, person_id, AccessAction.CONSENT_USE)
    if isinstance(person, HttpResponse):
        return person
    recipient = request.POST.get("recipient", "")
    try:
        disclosure = services.disclose_plan(person=person, recipient=recipient, actor=request.user)
    except ValidationFailed as failure:
        messages.error(request, failure.errors[0].message)
    else:
        log_person_reads(user=request.user, person_ids=[person.pk], action=AccessAction.CONSENT_USE,
                         purpose=f"suunnitelma: {disclosure.recipient}", channel=AccessChannel.WEB)
        messages.success(request, _("Suunnitelma luovutettu vastaanottajalle %(recipient)s suostumuksen perusteella.")
                         % {"recipient": consent_catalogue().recipient_name(disclosure.recipient)})
    return redirect(form_flow.record_url(person, "oma-asiointi"))
