"""Pages of case work: the worklist, caseloads, and the client record's forms (meeting, plan, application
report, ending the job search, reassignment, handover).

Every page goes through ``person_access`` (role, scope, access log) before it reads or writes a client;
forms check shape, services decide, and a refused save re-renders the form with the user's input and the
errors on the named fields, so nothing typed is lost.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from polku.access.models import AccessAction, AccessChannel, StaffProfile, Team
from polku.access.policy import Capability, allows, can_write_person_data, may_balance_caseload, roles_with, staff_profile
from polku.access.services import log_person_reads
from polku.casework import booking, forms, presenters, selectors, services
from polku.casework.due import DueKind, DueState, initial_interview_on
from polku.casework.models import ApplicationReport, CaseloadTransfer
from polku.casework.rules import shipped_rule_book
from polku.core.errors import AccessDenied, ErrorCode, ValidationFailed
from polku.core.languages import reader_language, text_in
from polku.people.models import Person
from polku.web import form_flow
from polku.web.views import forbidden

PAGE_SIZE = 100
PURPOSE = form_flow.PURPOSE


def _reference_date(request: HttpRequest) -> date:
    """The worklist's day: ``?paiva=`` within 2000–2099, else today."""
    try:
        day = date.fromisoformat(request.GET.get("paiva", ""))
    except ValueError:
        return timezone.localdate()
    return day if date(2000, 1, 1) <= day <= date(2099, 12, 31) else timezone.localdate()


def small_int(value: str) -> int | None:
    """A positive database id from a query string, or None (no Unicode digits, no overflow)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    if not allows(request.user, Capability.VIEW_WORKLIST):
        return forbidden(request, _("Työlista näyttää asiakkaiden nimet; roolillasi ei ole nimettyä työlistaa."))
    scopes = selectors.scopes_for(request.user)
    if not scopes:
        return forbidden(request, _("Käyttäjätunnuksellesi ei ole liitetty tiimiä eikä asiakkaita."))
    requested = request.GET.get("rajaus", "")
    scope = requested if requested in scopes else selectors.default_scope(request.user, scopes)
    today = _reference_date(request)
    kind = request.GET.get("laji", "")
    state = request.GET.get("tila", "")
    sort = request.GET.get("jarjestys", "due")
    counsellor = request.GET.get("ohjaaja", "")
    counsellor_id = small_int(counsellor)
    result = selectors.worklist(lambda: selectors.scope_persons(request.user, scope), today, counsellor_id=counsellor_id,
                                rows=selectors.scope_rows(request.user, scope),
                                kinds=[kind] if kind in DueKind.__members__.values() else [],
                                states=[state] if state in DueState.__members__.values() else [], sort=sort)
    page = Paginator(result.rows, PAGE_SIZE).get_page(request.GET.get("sivu"))
    rows = list(page.object_list)
    log_person_reads(user=request.user, person_ids=[row.person_id for row in rows], action=AccessAction.WORKLIST,
                     purpose=PURPOSE, channel=AccessChannel.WEB)
    rule_set = shipped_rule_book().in_force(today)
    booked = list(booking.booked_for_counsellor(request.user, today)[:50])
    if booked:
        log_person_reads(user=request.user, person_ids=[slot.person_id for slot in booked],
                         action=AccessAction.WORKLIST, purpose=gettext_noop("varatut tapaamiset"), channel=AccessChannel.WEB)
    return render(request, "casework/worklist.html", {
        "booked": booked,
        "worklist": result, "page": page,
        "rows_html": presenters.worklist_rows_html(rows), "rows": rows,
        "scopes": [(code, presenters.SCOPE_LABELS[code]) for code in scopes], "scope": scope,
        "kinds": [(k.value, presenters.KIND_LABELS[k.value], result.counts[k.value]) for k in DueKind],
        "states": [(s.value, presenters.STATE_LABELS[s.value], result.states[s.value]) for s in DueState],
        "kind": kind, "state": state, "sort": sort, "today": today,
        "rule_set": rule_set, "rule_set_name": presenters.rule_set_name(rule_set),
        "query": {"rajaus": scope, "paiva": today.isoformat(), "laji": kind, "tila": state, "ohjaaja": counsellor},
        "counsellor_name": get_user_model().objects.filter(pk=counsellor_id).values_list("username", flat=True).first()
        if counsellor_id else None,
    })


PREVIEW_SALT = "polku.casework.caseload-transfer"


@dataclass(frozen=True)
class TransferPreview:
    """What a caseload transfer would do, shown before it is confirmed: who moves, and both caseloads after."""

    persons: list[Person]
    token: str  # the previewed person ids, signed: the confirmation moves exactly these or nothing
    sender: Any  # the caseload rows of the two counsellors, before the move (None when not in the scope)
    receiver: Any
    sender_after: int | None
    receiver_after: int | None

    @property
    def rows(self) -> list[tuple[Any, int]]:
        """The two counsellors' caseload rows with their caseloads after the move (those in the scope shown)."""
        pairs = [(self.sender, self.sender_after), (self.receiver, self.receiver_after)]
        return [(row, after) for row, after in pairs if row is not None and after is not None]


def _preview(request: HttpRequest, data: dict[str, Any], rows: list[Any]) -> TransferPreview:
    persons = services.transfer_preview(from_counsellor=_user_or_none(data["from_counsellor"]),
                                        to_counsellor=_user_or_none(data["to_counsellor"]), count=data["count"],
                                        actor=request.user)
    by_id = {row.counsellor_id: row for row in rows}
    sender, receiver = by_id.get(small_int(data["from_counsellor"])), by_id.get(small_int(data["to_counsellor"]))
    log_person_reads(user=request.user, person_ids=[p.pk for p in persons], action=AccessAction.ASSIGNMENT,
                     purpose=PURPOSE, channel=AccessChannel.WEB)
    return TransferPreview(
        persons=persons, token=signing.dumps(sorted(str(p.pk) for p in persons), salt=PREVIEW_SALT), sender=sender,
        receiver=receiver, sender_after=sender.clients - len(persons) if sender else None,
        receiver_after=receiver.clients + len(persons) if receiver else None)


def _confirm(request: HttpRequest, data: dict[str, Any]) -> CaseloadTransfer:
    try:
        previewed = signing.loads(request.POST.get("esikatselu", ""), salt=PREVIEW_SALT, max_age=3600)
    except signing.BadSignature as bad:
        raise ValidationFailed.single("count", ErrorCode.CONFLICT, _(
            "Esikatselu on vanhentunut. Katso siirrettävät asiakkaat uudelleen ennen vahvistamista.")) from bad
    return services.reassign_clients(
        from_counsellor=_user_or_none(data["from_counsellor"]), to_counsellor=_user_or_none(data["to_counsellor"]),
        count=data["count"], actor=request.user, reason=data["reason"], previewed=previewed)


@login_required
@require_http_methods(["GET", "POST"])
def caseload(request: HttpRequest) -> HttpResponse:
    """Caseloads per counsellor against the programme target; team leads move clients between counsellors: a
    preview of who moves and the caseloads after, a confirmation, and an undo of the last transfers."""
    if not allows(request.user, Capability.VIEW_CASELOAD):
        return forbidden(request, _("Asiakasmäärät näkyvät asiakastyön rooleille."))
    scopes = selectors.scopes_for(request.user, Capability.VIEW_CASELOAD)
    requested = request.GET.get("rajaus", "")
    scope = requested if requested in scopes and requested != "mine" else ("team" if "team" in scopes else "area")
    today = _reference_date(request)
    may_balance = may_balance_caseload(request.user)
    form = forms.BulkReassignForm(request.POST or None, counsellor_choices=_counsellor_choices(request.user))
    rows = selectors.caseload(selectors.scope_persons(request.user, scope), today)
    preview: TransferPreview | None = None
    if request.method == "POST":
        if not may_balance:
            return forbidden(request, _("Asiakkaita siirtävät tiiminvetäjä ja palvelupäällikkö."))
        if "vahvista" in request.POST:
            done = form_flow.saved(request, form, lambda data: _confirm(request, data))
            if done is not None:
                transfer = done.value
                moved = services.transfer_persons(transfer)
                log_person_reads(user=request.user, person_ids=[p.pk for p in moved], action=AccessAction.ASSIGNMENT,
                                 purpose=PURPOSE, channel=AccessChannel.WEB)
                messages.success(request, _("%(count)s asiakasta siirretty. Siirron voi perua alta.") % {
                    "count": len(moved)})
                return redirect(reverse("casework:caseload") + f"?rajaus={scope}")
        else:
            shown = form_flow.saved(request, form, lambda data: _preview(request, data, rows))
            preview = shown.value if shown is not None else None
    return render(request, "casework/caseload.html", {
        "rows": rows, "today": today, "scope": scope, "form": form if may_balance else None, "preview": preview,
        "transfers": selectors.recent_transfers(request.user) if may_balance else [],
        "scopes": [(code, presenters.SCOPE_LABELS[code]) for code in scopes if code != "mine"],
        "max_clients": max((row.clients for row in rows), default=0),
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def caseload_transfer_undo(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """Move a transfer's clients back to the counsellor they came from (those still where it put them)."""
    if not may_balance_caseload(request.user):
        return forbidden(request, _("Asiakkaita siirtävät tiiminvetäjä ja palvelupäällikkö."))
    try:
        moved = services.undo_transfer(transfer_id=transfer_id, actor=request.user)
    except AccessDenied:
        return forbidden(request, _("Siirron asiakkaat eivät kaikki kuulu rajaukseesi."))
    except ValidationFailed as failure:
        messages.error(request, failure.errors[0].message)
        return redirect("casework:caseload")
    log_person_reads(user=request.user, person_ids=[p.pk for p in moved], action=AccessAction.ASSIGNMENT,
                     purpose=PURPOSE, channel=AccessChannel.WEB)
    messages.success(request, _("Siirto peruttu: %(count)s asiakasta palautettiin.") % {"count": len(moved)})
    return redirect("casework:caseload")


# --- client record forms ---------------------------------------------------------------------------------------------


def _client(request: HttpRequest, person_id: uuid.UUID, action: AccessAction) -> Person | HttpResponse:
    """The client, after checking the right to write for them and logging the access; or a 403 page."""
    person = get_object_or_404(Person, pk=person_id)
    return form_flow.write_refused(request, person, action) or person


ANCHOR = "asiakastyo"


ClientView = Callable[[HttpRequest, Person], HttpResponse]


def client_form(action: AccessAction) -> Callable[[ClientView], Callable[..., HttpResponse]]:
    """A form page about one client: logged in, GET or POST, the right to write for the client checked and the
    access logged as ``action`` before the view runs (else the 403 page)."""
    def decorate(view: ClientView) -> Callable[..., HttpResponse]:
        @login_required
        @require_http_methods(["GET", "POST"])
        @functools.wraps(view)
        def wrapper(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
            person = _client(request, person_id, action)
            return person if isinstance(person, HttpResponse) else view(request, person)
        return wrapper
    return decorate


def _form_page(request: HttpRequest, person: Person, form: Any, title: str, submit: str, **extra: Any) -> HttpResponse:
    return form_flow.form_page(request, "casework/form.html", form, person=person, title=title, submit=submit,
                               cancel_url=form_flow.record_url(person, ANCHOR), **extra)


@client_form(AccessAction.MEETING_RECORD)
def meeting_new(request: HttpRequest, person: Person) -> HttpResponse:
    case = selectors.client_case(person, timezone.localdate())
    due_kind = "initial_interview" if case is not None and initial_interview_on(case) is None else "job_search_conversation"
    initial = {"held_on": timezone.localdate(), "kind": request.GET.get("laji", due_kind), "channel": "face_to_face"}
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if form_flow.saved(request, form, lambda data: services.meeting_record(person=person, actor=request.user, **data)):
        return form_flow.done(request, person, _("Tapaaminen kirjattu."))
    return _form_page(request, person, form, _("Kirjaa tapaaminen"), _("Tallenna tapaaminen"))


def _basis_choices(today: date) -> list[tuple[str, str]]:
    language = reader_language()
    rule_set = shipped_rule_book().in_force(today)
    obligation = rule_set.rule("application_obligation")
    standard = _("Pääsääntö: %(low)s–%(high)s kuukaudessa") % {"low": obligation["min"], "high": obligation["max"]}
    return [(services.STANDARD_OBLIGATION, standard)] + [
        (code, _("%(name)s: %(count)s / %(months)s kk") % {
            "name": text_in(case.name, language), "count": case.count, "months": case.period_months})
        for code, case in rule_set.reduced_cases().items()
    ]


def _save_plan(person: Person, user: Any, data: dict[str, Any]) -> None:
    services.plan_save(person=person, based_on_version=data["version"], actor=user, data=services.PlanInput(
        drawn_up_on=data["drawn_up_on"], valid_until=data["valid_until"], agreed_actions=data["agreed_actions"],
        applications_required=data["applications_required"], obligation_basis=data["obligation_basis"],
        next_meeting_on=data["next_meeting_on"]))


@client_form(AccessAction.PLAN_EDIT)
def plan_edit(request: HttpRequest, person: Person) -> HttpResponse:
    today = timezone.localdate()
    current = services.current_plan(person)
    if current is not None:
        initial: dict[str, Any] = {
            "version": current.version, "drawn_up_on": today, "valid_until": current.valid_until,
            "agreed_actions": current.agreed_actions, "obligation_basis": current.obligation_basis,
            "applications_required": current.applications_required, "next_meeting_on": current.next_meeting_on,
        }
    else:
        initial = {"drawn_up_on": today, "applications_required": 4, "obligation_basis": services.STANDARD_OBLIGATION}
    form = forms.PlanForm(request.POST or None, initial=initial, basis_choices=_basis_choices(today))
    if form_flow.saved(request, form, lambda data: _save_plan(person, request.user, data)):
        return form_flow.done(request, person, _("Työllistymissuunnitelma tallennettu."))
    conflict = None
    if form.has_error("version", "conflict") and current is not None:
        # Keep the user's text; the next save is based on the version now in force.
        conflict = current
        form.data = {**request.POST.dict(), "version": str(current.version)}
    return _form_page(request, person, form, _("Työllistymissuunnitelma"), _("Tallenna suunnitelma"),
                      current_plan=current, conflict=conflict)


@client_form(AccessAction.APPLICATION_REPORT)
def report_new(request: HttpRequest, person: Person) -> HttpResponse:
    form = forms.ApplicationReportForm(request.POST or None)
    if (result := form_flow.saved(request, form, lambda data: services.application_report_record(
            person=person, actor=request.user, **data))) is not None:
        earlier = ApplicationReport.objects.filter(lineage=result.value.lineage, superseded_at__isnull=False).order_by(
            "-superseded_at").first()
        message = _("Hakuilmoitus kirjattu.") if earlier is None else _(
            "Jakson hakuilmoitus päivitetty: aiemmin %(old)s, nyt %(new)s hakua.") % {
            "old": earlier.applications, "new": result.value.applications}
        return form_flow.done(request, person, message)
    return _form_page(request, person, form, _("Kirjaa hakuilmoitus"), _("Tallenna"))


@client_form(AccessAction.JOB_SEARCH_END)
def job_search_end(request: HttpRequest, person: Person) -> HttpResponse:
    form = forms.JobSearchEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if form_flow.saved(request, form, lambda data: services.job_search_close(person=person, actor=request.user, **data)):
        return form_flow.done(request, person, _("Työnhaku päätetty."))
    return _form_page(request, person, form, _("Päätä työnhaku"), _("Päätä työnhaku"))


def _counsellor_choices(user: Any) -> list[tuple[str, str]]:
    profile = staff_profile(user)
    staff = StaffProfile.objects.filter(role__in=roles_with(Capability.HOLD_CASELOAD)).select_related("user", "team")
    if profile is not None and profile.area_id is not None:
        staff = staff.filter(area_id=profile.area_id)
    choices = [(str(row.user_id), selectors.counsellor_name(row.user) + (f" ({row.team.name})" if row.team else ""))
               for row in staff]
    return sorted(choices, key=lambda choice: selectors.natural_key(choice[1]))


def _user_or_none(user_id: str) -> Any:
    pk = small_int(user_id)
    return get_user_model().objects.filter(pk=pk).first() if pk is not None else None


@client_form(AccessAction.ASSIGNMENT)
def reassign(request: HttpRequest, person: Person) -> HttpResponse:
    current = services.current_assignment(person)
    form = forms.AssignmentForm(request.POST or None, counsellor_choices=_counsellor_choices(request.user),
                                initial={"counsellor": str(current.counsellor_id) if current and current.counsellor_id else ""})
    if form_flow.saved(request, form, lambda data: services.assign(
            person=person, counsellor=_user_or_none(data["counsellor"]), actor=request.user, reason=data["reason"])):
        return form_flow.done(request, person, _("Vastuuohjaaja vaihdettu."))
    return _form_page(request, person, form, _("Vaihda vastuuohjaaja"), _("Tallenna"))


@client_form(AccessAction.HANDOVER)
def handover(request: HttpRequest, person: Person) -> HttpResponse:
    profile = staff_profile(request.user)
    teams = Team.objects.filter(area_id=profile.area_id) if profile and profile.area_id else Team.objects.all()
    form = forms.HandoverForm(request.POST or None, team_choices=[(str(t.pk), t.name) for t in teams.order_by("name")],
                              counsellor_choices=_counsellor_choices(request.user))
    if form_flow.saved(request, form, lambda data: services.handover(
            person=person, team_id=int(data["team"]) if data["team"] else None,
            counsellor=_user_or_none(data["counsellor"]), actor=request.user)):
        return form_flow.done(request, person, _("Asiakas siirretty omavalmennukseen."))
    return _form_page(request, person, form, _("Siirto omavalmennukseen"), _("Siirrä"))


def can_record(user: Any) -> bool:
    return can_write_person_data(user)
