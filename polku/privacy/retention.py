"""The retention job: which persons are past the schedule on a reference date, and erasing or pseudonymising what is
past it — in one transaction, all or nothing — with a report of counts per kind (never an identity code or a name).

The client relationship ends when the person's last job-search period ended (a later meeting, referral, decision or
benefit month moves it later); a person with an open job search, or none, is not processed. Per person the furthest
kind due applies: ``facts`` (erase the person and everything), else ``identifiers`` (pseudonymise: the identity code
and names are erased, the facts stay under the random id so past months' statistics keep counting them) and
``case_texts`` (erase free text). ``access_log`` rows are erased by their own age.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from polku.access.models import AccessAction, AccessLog, BreakGlassGrant, ClientAccount, ExternalIdentity
from polku.access.services import log_event, log_person_reads
from polku.casework.models import ApplicationReport, CaseAssignment, EmploymentPlan, Meeting
from polku.employer_services.models import CompetenceProfile, JobOffer
from polku.municipal_share.models import KelaInvoiceLine
from polku.people import personal_id
from polku.people.models import Person
from polku.privacy.models import Pseudonymisation, RetentionRun, RunStatus
from polku.privacy.registry import person_models
from polku.privacy.schedule import Schedule, load_schedule
from polku.provision.models import Decision, Referral
from polku.timeline.models import BenefitMonth, EmploymentConditionMet, HomeMunicipalitySpell, JobSearchPeriod, StatusSpell

CHUNK = 500
PSEUDONYM_PREFIX = personal_id.PSEUDONYM_PREFIX
# Free text that may say anything about the person: (model, field). Correction reasons of every fact table too.
FACT_TABLES = (HomeMunicipalitySpell, StatusSpell, JobSearchPeriod, BenefitMonth, EmploymentConditionMet, Meeting,
               EmploymentPlan, ApplicationReport)
TEXT_FIELDS: tuple[tuple[Any, str], ...] = (
    (Meeting, "notes"), (EmploymentPlan, "agreed_actions"), (CaseAssignment, "reason"), (JobOffer, "refusal_reason"),
    *((model, "correction_reason") for model in FACT_TABLES),
    # The portal's and the competence profile's own words (the portal by label: it is this package's sibling).
    ("portal.Message", "body"), ("portal.ReportedApplication", "employer"), ("portal.ReportedApplication", "job_title"),
    ("portal.AgencyReferral", "reason"), ("portal.AgencyReferral", "events"), ("portal.AgencyReferral", "meeting_place"),
    (CompetenceProfile, "education"), (CompetenceProfile, "work_history"),
)


def _text_field(model: Any, name: str) -> tuple[Any, Any]:
    """The model (a class, or an app label resolved now) and the empty value of its field ("" or an empty list)."""
    model = apps.get_model(model) if isinstance(model, str) else model
    empty: Any = [] if isinstance(model._meta.get_field(name), models.JSONField) else ""
    return model, empty


def relationship_end(job_search_ends: Iterable[date | None], later: Iterable[date | None] = ()) -> date | None:
    """The day the client relationship ended, or None while it lasts (an open job search) or never began."""
    ends = list(job_search_ends)
    if not ends or any(end is None for end in ends):
        return None
    return max([e for e in ends if e is not None] + [d for d in later if d is not None])


def relationship_ends() -> dict[Any, date]:
    """Every person whose client relationship has ended, with the day it ended."""
    searches: dict[Any, list[date | None]] = {}
    for pid, ended in JobSearchPeriod.objects.current().values_list("person_id", "ended_on"):
        searches.setdefault(pid, []).append(ended)
    later: dict[Any, list[date | None]] = {}
    sources: tuple[tuple[Any, tuple[str, ...]], ...] = ((BenefitMonth, ("month",)), (Meeting, ("held_on",)),
                          (Referral, ("referred_on", "ended_on")), (Decision, ("decided_on", "start_date")))
    for model, fields in sources:
        rows: Any = model._default_manager.all()
        if any(f.name == "superseded_at" for f in model._meta.concrete_fields):
            rows = rows.current()
        for pid, *days in rows.values("person_id").annotate(
                **{f"last_{name}": Max(name) for name in fields}).values_list("person_id", *[f"last_{n}" for n in fields]):
            later.setdefault(pid, []).extend(days)
    ends = {}
    for pid, search_ends in searches.items():
        end = relationship_end(search_ends, later.get(pid, ()))
        if end is not None:
            ends[pid] = end
    return ends


@dataclass
class Plan:
    reference_date: date
    ended: int = 0  # persons whose relationship has ended (assessed)
    due: dict[str, list[Any]] = field(default_factory=dict)  # kind → person ids
    access_log_cutoff: date | None = None


def plan(schedule: Schedule, reference_date: date) -> Plan:
    """Who is past which kind of the schedule on ``reference_date`` (reads only)."""
    ends = relationship_ends()
    result = Plan(reference_date=reference_date, ended=len(ends), due={k.key: [] for k in schedule.kinds})
    facts, identifiers, texts = (schedule.kind(k) for k in ("facts", "identifiers", "case_texts"))
    already = set(Pseudonymisation.objects.values_list("person_id", flat=True))
    for pid, end in sorted(ends.items(), key=lambda item: str(item[0])):
        if facts is not None and facts.is_due(end, reference_date):
            result.due["facts"].append(pid)
            continue
        if identifiers is not None and identifiers.is_due(end, reference_date) and pid not in already:
            result.due["identifiers"].append(pid)
        if texts is not None and texts.is_due(end, reference_date):
            result.due["case_texts"].append(pid)
    log_kind = schedule.kind("access_log")
    if log_kind is not None:
        result.access_log_cutoff = log_kind.cutoff(reference_date)
    return result


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _text_rows(ids: list[Any], *, erase: bool) -> tuple[int, set[Any]]:
    """Rows with free text of these persons (erased when ``erase``), and the persons who had any."""
    rows, touched = 0, set()
    for chunk in _chunks(ids):
        for label, name in TEXT_FIELDS:
            model, empty = _text_field(label, name)
            found = model.objects.filter(person_id__in=chunk).exclude(**{name: empty})
            touched |= set(found.values_list("person_id", flat=True).distinct())
            rows += found.update(**{name: empty}) if erase else found.count()
    return rows, touched


def _fact_rows(ids: list[Any]) -> int:
    total = 0
    for chunk in _chunks(ids):
        for entry in person_models():
            key = "pk" if entry.person_field is None else entry.person_field
            total += entry.model._default_manager.filter(**{f"{key}__in": chunk}).count()
    return total


def pseudonymise(person_ids: list[Any], run: RetentionRun | None) -> None:
    """Erase the direct identifiers: a random token replaces the identity code (its hash and ciphertext), the names
    are cleared; the person's id and facts stay, so aggregates over past months are unchanged."""
    for chunk in _chunks(person_ids):
        persons = list(Person.objects.select_for_update().filter(pk__in=chunk))
        for person in persons:
            token = f"{PSEUDONYM_PREFIX}{uuid.uuid4().hex.upper()}"
            person.personal_id_hash = personal_id.keyed_hash(token)
            person.personal_id_encrypted = personal_id.encrypt(token)
            person.first_names = ""
            person.last_name = "Pseudonyymi"
        Person.objects.bulk_update(persons, ["personal_id_hash", "personal_id_encrypted", "first_names", "last_name"])
        # An invoice line's key would still link the code to the person: it takes the pseudonym's key instead.
        for person in persons:
            KelaInvoiceLine.objects.filter(person_id=person.pk).update(personal_id_hash=person.personal_id_hash)
        Pseudonymisation.objects.bulk_create([Pseudonymisation(person=p, run=run) for p in persons])
        # The portal sign-in would still tie the identity provider's subject (and so the person) to the pseudonym.
        accounts = ClientAccount.objects.filter(person_id__in=[p.pk for p in persons])
        users = list(accounts.values_list("user_id", flat=True))
        ExternalIdentity.objects.filter(user_id__in=users).delete()
        accounts.delete()
        get_user_model().objects.filter(pk__in=users).update(is_active=False)
        # The addresses for notifications are direct identifiers too.
        apps.get_model("portal.NotificationAddress").objects.filter(person_id__in=[p.pk for p in persons]).delete()


def erase(person_ids: list[Any]) -> int:
    """Delete the persons and every row about them; invoice lines stay in their invoice, unlinked and unkeyed."""
    deleted = 0
    for chunk in _chunks(person_ids):
        KelaInvoiceLine.objects.filter(person_id__in=chunk).update(personal_id_hash="", person=None)
        deleted += Person.objects.filter(pk__in=chunk).delete()[0]
    return deleted


def _old_log(cutoff: date | None) -> Any:
    if cutoff is None:
        return AccessLog.objects.none()
    start = datetime.combine(cutoff, time.min, tzinfo=timezone.get_current_timezone())
    return AccessLog.objects.filter(at__lt=start)


def _old_grants(cutoff: date | None) -> Any:
    """Break-glass grants age with the access log that records them (their reason is log text)."""
    if cutoff is None:
        return BreakGlassGrant.objects.none()
    return BreakGlassGrant.objects.filter(granted_at__lt=datetime.combine(cutoff, time.min,
                                                                          tzinfo=timezone.get_current_timezone()))


def execute(run: RetentionRun, *, user: Any, schedule: Schedule | None = None) -> RetentionRun:
    """Carry out (or, for a dry run, only count) the schedule on the run's reference date; one transaction.

    On any failure nothing is changed and the run is recorded failed with the reason."""
    schedule = schedule or load_schedule()
    RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(),
                                                  schedule_version=schedule.version)
    try:
        with transaction.atomic():
            report = _apply(run, schedule, user=user)
    except Exception as failure:
        RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                      message=f"{type(failure).__name__}"[:500])
        raise
    RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now(), report=report)
    run.refresh_from_db()
    return run


def _apply(run: RetentionRun, schedule: Schedule, *, user: Any) -> dict[str, Any]:
    due = plan(schedule, run.reference_date)
    report: dict[str, Any] = {"ended_relationships": due.ended, "kinds": {}}
    texts = due.due.get("case_texts", [])
    text_rows, text_persons = _text_rows(texts, erase=not run.dry_run)
    facts = due.due.get("facts", [])
    fact_rows = _fact_rows(facts)
    identifiers = due.due.get("identifiers", [])
    old_log = _old_log(due.access_log_cutoff)
    log_rows = old_log.count()
    report["kinds"] = {
        "case_texts": {"persons": len(text_persons), "rows": text_rows},
        "identifiers": {"persons": len(identifiers), "rows": len(identifiers)},
        "facts": {"persons": len(facts), "rows": fact_rows},
        "access_log": {"persons": 0, "rows": log_rows},
    }
    purpose = f"säilytysaikojen ajo {run.pk} ({run.reference_date.isoformat()})"
    log_event(user=user, action=AccessAction.RETENTION_RUN, channel=run.channel, actor=run.actor,
              purpose=f"{purpose}{' kuivaharjoitus' if run.dry_run else ''}")
    if run.dry_run:
        return report
    if log_rows:
        old_log.delete()
    _old_grants(due.access_log_cutoff).delete()
    pseudonymise(identifiers, run)
    erase(facts)
    for kind, ids in (("tekstit", sorted(text_persons, key=str)), ("tunnistetiedot", identifiers), ("kaikki", facts)):
        log_person_reads(user=user, person_ids=ids, action=AccessAction.RETENTION_PERSON, purpose=f"{purpose}: {kind}",
                         channel=run.channel, actor=run.actor)
    return report


def new_run(*, user: Any, reference_date: date, dry_run: bool, channel: str, actor: str) -> RetentionRun:
    return RetentionRun.objects.create(reference_date=reference_date, dry_run=dry_run, requested_by=user, actor=actor,
                                       channel=channel, schedule_version=load_schedule().version)

