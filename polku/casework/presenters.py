"""Labels and page shapes of case work: what the worklist, the caseload and the client panel show.

Only presentation: the due items come from ``due``, the facts from ``selectors``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from polku.casework import selectors
from polku.casework.due import ClientCase, DueItem, Milestone, due_items, milestones
from polku.casework.labels import KIND_LABELS
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting
from polku.casework.rules import ProcessRuleBook, ProcessRuleSet, shipped_rule_book
from polku.core.languages import reader_language
from polku.core.prepared import PersonRead
from polku.timeline.selectors import Timeline
from polku.web.links import STAND_IN, person_url, person_url_pattern

STATE_LABELS = {"overdue": _("Myöhässä"), "this_week": _("Tällä viikolla"), "upcoming": _("Tulossa")}
SCOPE_LABELS = {"mine": _("Omat asiakkaat"), "team": _("Tiimin asiakkaat"), "area": _("Alueen asiakkaat")}
MILESTONE_LABELS = {
    "initial_interview_deadline": _("Alkuhaastattelun määräpäivä"),
    "intensive_period_ends": _("Tiivis jakso (3 kk) päättyy"),
    "intensive_period_repeats": _("Tiivis jakso toistuu (6 kk)"),
    "binding_job_offers": _("Työtarjoukset velvoittavia"),
    "long_term_unemployed": _("Pitkäaikaistyöttömyys alkaa (12 kk)"),
}


# What a counsellor does about each kind of item: the form that settles it (URL name, query) and its label.
ACTIONS: dict[str, tuple[str, str, Any]] = {
    "initial_interview": ("casework:meeting_new", "?laji=initial_interview", _("Kirjaa alkuhaastattelu")),
    "job_search_conversation": ("casework:meeting_new", "?laji=job_search_conversation", _("Kirjaa keskustelu")),
    "supplementary_conversations": ("casework:meeting_new", "?laji=supplementary_conversation",
                                    _("Kirjaa täydentävä keskustelu")),
    "no_plan": ("casework:plan_edit", "", _("Laadi suunnitelma")),
    "plan_expiring": ("casework:plan_edit", "", _("Päivitä suunnitelma")),
    "application_report_missing": ("casework:report_new", "", _("Kirjaa hakuilmoitus")),
    "applications_below_obligation": ("casework:report_new", "", _("Kirjaa hakuilmoitus")),
    "reaching_three_months": ("provision:referral_new", "", _("Ohjaa palveluun")),
    "handover_due": ("casework:handover", "", _("Siirrä omavalmennukseen")),
}


def action_for(kind: str, person_id: Any) -> tuple[str, str] | None:
    """(URL, label) of the form that settles an item of ``kind`` for a client; None for notices."""
    if kind not in ACTIONS:
        return None
    name, query, label = ACTIONS[kind]
    return person_url(name, person_id) + query, str(label)


def rule_set_name(rule_set: ProcessRuleSet) -> str:
    language = reader_language()
    return rule_set.name.get(language) or rule_set.name.get("fi", rule_set.code)


@dataclass(frozen=True)
class DueRow:
    item: DueItem
    label: str
    state_label: str
    detail: str
    action: tuple[str, str] | None = None
    source: str = ""  # the rule's source in the reader's language where the rule book has it, else in Finnish
    source_language: str = "fi"


def rule_source(item: DueItem, language: str) -> tuple[str, str]:
    """The item's source in ``language`` (``(text, its language)``): the rule book's translation of the very citation
    the item was made with; else the item's own Finnish citation (a rule book changed since the item was made cites
    the rule otherwise until the item is made again)."""
    try:
        rule = shipped_rule_book().by_code(item.rule_set).rules[item.rule]
    except KeyError:
        return item.source, "fi"
    return rule.source_in(language) if rule.source == item.source else (item.source, "fi")


def detail_text(item: DueItem) -> str:
    detail = item.detail
    if "required" in detail and "held" in detail:
        return str(_("%(held)s/%(required)s pidetty") % detail)
    if "reported" in detail:
        return str(_("%(reported)s/%(required)s hakua") % detail)
    if "period_start" in detail:
        return str(_("jakso alkaen %(period)s") % {"period": date.fromisoformat(str(detail["period_start"])).strftime("%m/%Y")})
    return ""


def due_rows(items: list[DueItem], person_id: Any = None) -> list[DueRow]:
    language = reader_language()
    return [DueRow(item, str(KIND_LABELS[item.kind]), str(STATE_LABELS[item.state]), detail_text(item),
                   action_for(item.kind, person_id) if person_id is not None else None,
                   *rule_source(item, language)) for item in items]


@dataclass(frozen=True)
class MilestoneRow:
    label: str
    on: date
    rule: str
    passed: bool


@dataclass(frozen=True)
class ClientPanel:
    """The case-work part of the client record."""

    today: date
    case: ClientCase | None
    rule_set: ProcessRuleSet
    due: list[DueRow]
    milestones: list[MilestoneRow]
    plan: EmploymentPlan | None
    plan_history: list[EmploymentPlan]
    meetings: list[Meeting]
    reports: list[ApplicationReport]
    assignment: CaseAssignment | None
    assignments: list[CaseAssignment]


# The panel's lists of one client, read on every request of the record: their SQL is made once (core.prepared).
_PLAN_VERSIONS = PersonRead(lambda person_id: EmploymentPlan.objects.filter(person_id=person_id)
                            .select_related("recorded_by").order_by("-recorded_at"))  # every version: the history
_ASSIGNMENTS = PersonRead(lambda person_id: CaseAssignment.objects.filter(person_id=person_id)
                          .select_related("counsellor", "team", "assigned_by").order_by("-started_at"))
_MEETINGS = PersonRead(lambda person_id: Meeting.objects.current().filter(person_id=person_id)
                       .select_related("recorded_by").order_by("-held_on", "-recorded_at"))
_REPORTS = PersonRead(lambda person_id: ApplicationReport.objects.current().filter(person_id=person_id)
                      .order_by("-period_start"))


def client_panel(timeline: Timeline, today: date, book: ProcessRuleBook | None = None) -> ClientPanel:
    """The client record's case-work section. ``timeline``: the client's current facts, which the record has read
    for its timeline; the case is made from them and from the rows shown here, not read a second time."""
    book = book or shipped_rule_book()
    person = timeline.person
    plans = _PLAN_VERSIONS.read(person.pk)
    assignments = _ASSIGNMENTS.read(person.pk)
    meetings = _MEETINGS.read(person.pk)
    reports = _REPORTS.read(person.pk)
    case = selectors.client_case_of(timeline, today, meetings=meetings, plans=plans, reports=reports,
                                   assignments=assignments)
    items = due_items(case, book, today) if case is not None else []
    stones: list[Milestone] = milestones(case, book) if case is not None else []
    return ClientPanel(
        today=today, case=case, rule_set=book.in_force(today), due=due_rows(items, person.pk),
        milestones=[MilestoneRow(str(MILESTONE_LABELS[m.key]), m.on, m.rule, m.on < today) for m in stones],
        plan=next((p for p in plans if p.superseded_at is None), None),
        plan_history=plans,
        meetings=meetings,
        reports=reports,
        assignment=next((a for a in assignments if a.ended_at is None), None),  # one current row (a constraint)
        assignments=assignments,
    )


def timeline_events(panel: ClientPanel) -> list[tuple[date, str, str]]:
    """Meetings and plan versions as (day, kind label, text) for the client's timeline chart."""
    events = [(m.held_on, str(_("Tapaaminen")), m.get_kind_display()) for m in panel.meetings]
    events += [(p.drawn_up_on, str(_("Suunnitelma")), str(_("versio %(version)s") % {"version": p.version}))
               for p in panel.plan_history]
    return events


# On a phone each row is a card (``data-table--cards``): the client's name first, each other cell under its column's
# name (``data-label``); the roles keep it a table for a screen reader.
ROW_HTML = ('<tr class="due due--{state}" role="row"><td class="nowrap" role="cell" data-label="{c[due]}">{due}</td>'
            '<td role="cell" data-label="{c[state]}"><span class="badge badge--{state}">{state_label}</span></td>'
            '<th scope="row" role="rowheader"><a href="{url}">{name}</a></th>'
            '<td role="cell" data-label="{c[task]}">{label}</td><td role="cell" data-label="{c[detail]}">{detail}</td>'
            '<td role="cell" data-label="{c[action]}">{action}</td>'
            '<td role="cell" data-label="{c[counsellor]}">{counsellor}{team}</td>'
            '<td role="cell" data-label="{c[rule]}">{rule_set}{unverified}</td></tr>')
# The columns' names, as the worklist's table heads them (its template).
ROW_COLUMNS = {"due": _("Määräpäivä"), "state": _("Tilanne"), "task": _("Tehtävä"), "detail": _("Lisätieto"),
               "action": _("Toiminto"), "counsellor": _("Ohjaaja"), "rule": _("Sääntö")}


def counsellor_names(usernames: set[str]) -> dict[str, str]:
    """Counsellors by login name → as people name them ("Maija Virtanen"), the login name where no name is recorded:
    the worklist's rows keep the login name (the API's, and its order), the page shows the name, as the start pages
    do."""
    from django.contrib.auth import get_user_model

    return {username: " ".join(part for part in (first, last) if part) or username
            for username, first, last in get_user_model().objects.filter(username__in=usernames).values_list(
                "username", "first_name", "last_name")}


def worklist_rows_html(rows: list[selectors.WorklistRow]) -> SafeString:
    """The worklist's table rows. Rendered here rather than in the template: a counsellor's list has a hundred
    rows and the template engine's per-variable cost was half of the page's time (benchmarks/casework_latency.py).
    Every text from the data is escaped once (the standard library's ``html.escape``, which Django's ``escape`` wraps
    with a check for lazy texts on every call); what repeats between rows (labels, dates, links) is translated,
    formatted and escaped once a page."""
    url = person_url_pattern("web:person_detail") + "#asiakastyo"
    unverified = str(format_html(' <span class="badge badge--warning">{}</span>', _("vahvistamaton")))
    labels = {kind: html.escape(str(label)) for kind, label in KIND_LABELS.items()}
    states = {state: html.escape(str(label)) for state, label in STATE_LABELS.items()}
    book = shipped_rule_book()
    rule_sets = {rs.code: html.escape(str(rule_set_name(rs))) for rs in book.rule_sets}
    actions = {kind: (person_url_pattern(name) + query, html.escape(str(label)))
               for kind, (name, query, label) in ACTIONS.items()}
    row_html = ROW_HTML  # the columns' names put in once a page, not for every row
    for key, label in ROW_COLUMNS.items():
        row_html = row_html.replace(f"{{c[{key}]}}", html.escape(str(label)).replace("{", "{{").replace("}", "}}"))
    short_date = get_format("SHORT_DATE_FORMAT")
    dates: dict[date, str] = {}
    teams: dict[str, str] = {}
    names = counsellor_names({row.counsellor for row in rows if row.counsellor})
    lines = []
    for row in rows:
        item, person = row.item, str(row.person_id)
        due = dates.get(item.due_on)
        if due is None:
            due = dates[item.due_on] = html.escape(format_date(item.due_on, short_date))
        team = teams.get(row.team)
        if team is None:
            team = teams[row.team] = f' <span class="muted">({html.escape(row.team)})</span>' if row.team else ""
        action = "–"
        if item.kind in actions:
            action_url, action_label = actions[item.kind]
            action = f'<a href="{html.escape(action_url.replace(STAND_IN, person))}">{action_label}</a>'
        lines.append(row_html.format(
            state=html.escape(item.state), state_label=states[item.state], name=html.escape(row.name), due=due,
            url=html.escape(url.replace(STAND_IN, person)), label=labels[item.kind],
            detail=html.escape(detail_text(item) or "–"),
            counsellor=html.escape(names.get(row.counsellor, row.counsellor) or "–"), team=team,
            action=action, rule_set=rule_sets[item.rule_set], unverified="" if item.verified else unverified))
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped or built from escaped parts


def worklist_json(worklist: selectors.Worklist) -> dict[str, Any]:
    """The worklist as the API and ``polku worklist --json`` return it (no identity codes, names only)."""
    return {
        "date": worklist.today.isoformat(),
        "rule_set": worklist.rule_set_code,
        "clients": worklist.clients,
        "counts": worklist.counts,
        "states": worklist.states,
        "items": [
            {"person_id": str(row.person_id), "name": row.name, "counsellor": row.counsellor, "team": row.team,
             "phase": row.phase, "kind": str(row.item.kind), "due_on": row.item.due_on.isoformat(),
             "state": str(row.item.state), "rule": row.item.rule, "rule_set": row.item.rule_set,
             "verified": row.item.verified, "source": row.item.source, "detail": row.item.detail}
            for row in worklist.rows
        ],
    }
