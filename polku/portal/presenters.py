"""The client record's "Oma asiointi" panel: what the client did in their portal, for the counsellor to see before
the meeting — self-assessments over time (chart and table), messages, consents, reported applications, bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from polku.casework import booking
from polku.casework.models import AppointmentSlot, MeetingChannel
from polku.core.presence import models_with_rows
from polku.people.models import Person
from polku.portal import referrals, selectors, services
from polku.portal.catalogue import consent_catalogue, pick, questionnaire
from polku.portal.models import AgencyReferral, Consent, Message, ReferralStatus, ReportedApplication, SelfAssessment
from polku.web.charts import Chart


@dataclass
class ClientPanel:
    history: list[selectors.AssessmentRow]
    domains: list[tuple[str, str]]
    chart: Chart | None
    messages: list[Any]
    unread: int
    consents: list[dict[str, Any]]
    applications: list[ReportedApplication]
    bookings: list[Any]
    questionnaire_note: str
    live_plan_recipients: list[tuple[str, str]]
    agency_referrals: list[dict[str, Any]]
    referral_statuses: list[tuple[str, str]]


def history_chart(history: list[selectors.AssessmentRow]) -> Chart | None:
    if not history:
        return None
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container", "height": 220,
            "data": {"values": selectors.history_chart_rows(history)},
            "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": "day", "type": "temporal", "title": _("Päivä")},
                         "y": {"field": "value", "type": "quantitative", "title": _("Arvo (0–10)"),
                               "scale": {"domain": [0, 10]}},
                         "color": {"field": "measure", "type": "nominal", "title": ""}}}
    return Chart(spec, title=_("Itsearviot ajan mittaan"),
                 description=_("Työkyky 0–10 ja osa-alueiden keskiarvot muunnettuina asteikolle 0–10. Luvut ovat "
                               "taulukossa kaavion alla."), id_prefix="itsearvio-historia")


PANEL_MODELS: tuple[type[Model], ...] = (SelfAssessment, Message, Consent, ReportedApplication, AppointmentSlot,
                                         AgencyReferral)


def client_panel(person: Person) -> ClientPanel:
    """The client's own-service panel on their record. Most clients have used none of it, so it first asks which of
    its lists have rows at all (one query) and reads only those (``polku.core.presence``)."""
    used = models_with_rows(PANEL_MODELS, "person", person.pk)
    history = selectors.assessment_history(person) if SelfAssessment in used else []
    catalogue = consent_catalogue()
    thread = list(selectors.message_thread(person)) if Message in used else []
    consents = list(Consent.objects.filter(person=person)) if Consent in used else []
    return ClientPanel(
        history=history, domains=[(d.code, pick(d.name)) for d in questionnaire().domains],
        chart=history_chart(history), messages=thread[-20:],
        unread=sum(1 for m in thread if m.from_client and m.read_at is None),
        consents=[{"consent": c, "purpose": catalogue.purpose_name(c.purpose),
                   "recipient": catalogue.recipient_name(c.recipient)} for c in consents],
        applications=list(ReportedApplication.objects.filter(person=person)[:20]) if ReportedApplication in used else [],
        bookings=list(booking.bookings_of(person)) if AppointmentSlot in used else [],
        questionnaire_note=pick(questionnaire().source),
        live_plan_recipients=[(c.recipient, catalogue.recipient_name(c.recipient)) for c in
                              services.in_force_among(consents, services.SHARE_PLAN)],
        agency_referrals=agency_referral_rows(person) if AgencyReferral in used else [],
        referral_statuses=[(str(value), str(label)) for value, label in ReferralStatus.choices],
    )


def agency_referral_rows(person: Person) -> list[dict[str, Any]]:
    """The client's referrals to other agencies as the counsellor and the client see them: to whom, what is asked,
    the status, the data carried, and the joint meetings with the tasks agreed there."""
    catalogue = consent_catalogue()
    rows = []
    for referral in AgencyReferral.objects.filter(person=person).select_related("disclosure", "history_disclosure"):
        meetings = [e for e in referral.events if e.get("kind") == "joint_meeting"]
        notes = [e.get("note", "") for e in referral.events if e.get("kind") == "status" and e.get("note")]
        rows.append({"referral": referral, "recipient": catalogue.recipient_name(referral.recipient),
                     "booked": booked_meeting(referral),
                     "status": referral.get_status_display(), "note": notes[-1] if notes else "",
                     "carried": catalogue.category_names([
                         *referral.disclosure.categories,
                         *(referral.history_disclosure.categories if referral.history_disclosure else [])]),
                     "meetings": [{"held_on": date.fromisoformat(m["held_on"]), "tasks": m.get("tasks", [])}
                                  for m in meetings]})
    return rows


def booked_meeting(referral: AgencyReferral) -> dict[str, Any] | None:
    """The referral's booked joint meeting as people read it: when, how, where, and who takes part."""
    if referral.meeting_starts_at is None:
        return None
    catalogue = consent_catalogue()
    channel = MeetingChannel(referral.meeting_channel).label if referral.meeting_channel in MeetingChannel.values else ""
    return {"starts_at": referral.meeting_starts_at, "upcoming": referral.meeting_starts_at > timezone.now(),
            "minutes": referral.meeting_minutes, "channel": channel,
            "place": referral.meeting_place,
            "parties": [_("asiakas"), _("työllisyysohjaaja"),
                        *(catalogue.recipient_name(p) for p in referral.meeting_parties)]}


def coming_joint_meetings(person: Person) -> list[dict[str, Any]]:
    """The client's booked joint meetings still ahead, for their portal."""
    catalogue = consent_catalogue()
    return [{**(booked_meeting(r) or {}), "recipient": catalogue.recipient_name(r.recipient)}
            for r in referrals.coming_joint_meetings(person)]
