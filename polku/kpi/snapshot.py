"""A Parquet snapshot of the facts, for national history on DuckDB (same layout as the simulator writes).

Only current versions as known at the snapshot's instant are written, and no names or identity codes:
the files are for analytics. ``recorded_at`` is kept so that "as of" still works within the snapshot.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from polku.derived.facts import current
from polku.people.models import Person
from polku.timeline.models import (
    BenefitMonth,
    EmploymentConditionMet,
    HomeMunicipalitySpell,
    JobSearchPeriod,
    StatusSpell,
)

TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "timeline_statusspell": (StatusSpell, ("person_id", "start_date", "end_date", "status_id", "service_type_id")),
    "timeline_homemunicipalityspell": (HomeMunicipalitySpell, ("person_id", "start_date", "end_date", "municipality_id")),
    "timeline_jobsearchperiod": (JobSearchPeriod, ("person_id", "registered_on", "ended_on", "end_reason")),
    "timeline_benefitmonth": (BenefitMonth, ("person_id", "month", "benefit_type", "basis", "days", "amount")),
    "timeline_employmentconditionmet": (EmploymentConditionMet, ("person_id", "met_on")),
}


def _current(queryset: QuerySet[Any], known_at: datetime) -> QuerySet[Any]:
    return current(queryset, known_at)


def export_parquet(directory: Path, *, known_at: datetime | None = None) -> dict[str, int]:
    """Write one ``<table>.parquet`` per fact table into ``directory``; returns rows per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    known_at = known_at or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    people = list(Person.objects.values_list("id", "birth_date", "gender", "language", "team_id"))
    pq.write_table(pa.table({
        "id": pa.array([str(p[0]) for p in people], pa.string()),
        "birth_date": pa.array([p[1] for p in people], pa.date32()),
        "gender": pa.array([p[2] for p in people], pa.string()),
        "language": pa.array([p[3] for p in people], pa.string()),
        "team_id": pa.array([p[4] for p in people], pa.int64()),
    }), directory / "people_person.parquet")
    counts["people_person"] = len(people)
    for table, (model, columns) in TABLES.items():
        rows = list(_current(model.objects.all(), known_at).values_list(*columns, "recorded_at"))
        data: dict[str, Any] = {}
        for i, column in enumerate((*columns, "recorded_at")):
            values = [r[i] for r in rows]
            if column == "person_id":
                data[column] = pa.array([str(v) for v in values], pa.string())
            elif column == "amount":
                data[column] = pa.array(values, pa.decimal128(10, 2))
            elif column == "days":
                data[column] = pa.array(values, pa.int16())
            elif column == "recorded_at":
                data[column] = pa.array(values, pa.timestamp("us", tz="UTC"))
            elif column.endswith(("_date", "_on")) or column == "month":
                data[column] = pa.array(values, pa.date32())
            else:
                data[column] = pa.array(values, pa.string())
        pq.write_table(pa.table(data), directory / f"{table}.parquet")
        counts[table] = len(rows)
    counts["provision_decision"] = _export_decisions(directory, known_at)
    counts["casework_caseassignment"] = _export_assignments(directory, known_at)
    counts.update(_export_service_places(directory, known_at))
    counts.update(_export_employer_services(directory, known_at))
    counts.update(_export_feedback(directory, known_at))
    return counts


def _export_feedback(directory: Path, known_at: datetime) -> dict[str, int]:
    """The clients' anonymous feedback answers with their area's code, of the months begun by ``known_at`` (an
    answer keeps no time of its own: the relation counts the months ended by the moment asked about). The model is
    the portal's, found by label: the portal is above this package."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.apps import apps

    begun = timezone.localtime(known_at).date()
    answers = list(apps.get_model("portal", "FeedbackAnswer").objects.filter(
        area__isnull=False, month__lte=begun).values_list(
        "month", "area__code", "kind", "service_type", "team_id", "satisfaction", "useful"))
    pq.write_table(pa.table({
        "month": pa.array([r[0] for r in answers], pa.date32()),
        "area": pa.array([r[1] for r in answers], pa.string()),
        "kind": pa.array([r[2] for r in answers], pa.string()),
        "service_type": pa.array([r[3] for r in answers], pa.string()),
        "team_id": pa.array([r[4] for r in answers], pa.int64()),
        "satisfaction": pa.array([r[5] for r in answers], pa.int16()),
        "useful": pa.array([r[6] for r in answers], pa.bool_()),
    }), directory / "portal_feedbackanswer.parquet")
    return {"portal_feedbackanswer": len(answers)}


def _export_employer_services(directory: Path, known_at: datetime) -> dict[str, int]:
    """Job offers, competence profiles and employer contacts recorded by ``known_at``: none of them is a
    versioned fact; an offer's outcome is as last recorded and the relation reads its date."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from polku.employer_services.models import CompetenceProfile, EmployerContact, JobOffer

    timestamp = pa.timestamp("us", tz="UTC")
    offers = list(JobOffer.objects.filter(created_at__lte=known_at).values_list(
        "person_id", "offered_on", "binding", "outcome", "outcome_on", "created_at", "updated_at"))
    pq.write_table(pa.table({
        "person_id": pa.array([str(r[0]) for r in offers], pa.string()),
        "offered_on": pa.array([r[1] for r in offers], pa.date32()),
        "binding": pa.array([r[2] for r in offers], pa.bool_()),
        "outcome": pa.array([r[3] for r in offers], pa.string()),
        "outcome_on": pa.array([r[4] for r in offers], pa.date32()),
        "created_at": pa.array([r[5] for r in offers], timestamp),
        "updated_at": pa.array([r[6] for r in offers], timestamp),
    }), directory / "employer_services_joboffer.parquet")
    profiles = list(CompetenceProfile.objects.filter(created_at__lte=known_at).values_list("person_id", "created_at"))
    pq.write_table(pa.table({
        "person_id": pa.array([str(r[0]) for r in profiles], pa.string()),
        "created_at": pa.array([r[1] for r in profiles], timestamp),
    }), directory / "employer_services_competenceprofile.parquet")
    contacts = list(EmployerContact.objects.filter(created_at__lte=known_at).values_list(
        "contacted_on", "kind", "created_at", "employer__municipality_id"))
    pq.write_table(pa.table({
        "contacted_on": pa.array([r[0] for r in contacts], pa.date32()),
        "kind": pa.array([r[1] for r in contacts], pa.string()),
        "created_at": pa.array([r[2] for r in contacts], timestamp),
        "municipality_id": pa.array([r[3] for r in contacts], pa.string()),
    }), directory / "employer_services_employercontact.parquet")
    return {"employer_services_joboffer": len(offers), "employer_services_competenceprofile": len(profiles),
            "employer_services_employercontact": len(contacts)}


def _export_service_places(directory: Path, known_at: datetime) -> dict[str, int]:
    """The service catalogue as recorded by ``known_at`` (offerings with their area's code, capacity changes) and
    participations: the version of each participation's in_service spell current at ``known_at``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from polku.provision.models import OfferingCapacity, Referral, ServiceOffering

    offerings = list(ServiceOffering.objects.filter(created_at__lte=known_at).values_list(
        "id", "area__code", "service_type_id", "capacity", "available_from", "available_to", "created_at"))
    pq.write_table(pa.table({
        "id": pa.array([r[0] for r in offerings], pa.int64()),
        "area": pa.array([r[1] for r in offerings], pa.string()),
        "service_type_id": pa.array([r[2] for r in offerings], pa.string()),
        "capacity": pa.array([r[3] for r in offerings], pa.int32()),
        "available_from": pa.array([r[4] for r in offerings], pa.date32()),
        "available_to": pa.array([r[5] for r in offerings], pa.date32()),
        "created_at": pa.array([r[6] for r in offerings], pa.timestamp("us", tz="UTC")),
    }), directory / "provision_serviceoffering.parquet")
    changes = list(OfferingCapacity.objects.filter(created_at__lte=known_at).values_list(
        "offering_id", "valid_from", "capacity", "created_at"))
    pq.write_table(pa.table({
        "offering_id": pa.array([r[0] for r in changes], pa.int64()),
        "valid_from": pa.array([r[1] for r in changes], pa.date32()),
        "capacity": pa.array([r[2] for r in changes], pa.int32()),
        "created_at": pa.array([r[3] for r in changes], pa.timestamp("us", tz="UTC")),
    }), directory / "provision_offeringcapacity.parquet")
    offering_of = dict(Referral.objects.filter(status_spell_lineage__isnull=False)
                       .values_list("status_spell_lineage", "offering_id"))
    spells = list(_current(StatusSpell.objects.filter(lineage__in=offering_of), known_at).values_list(
        "lineage", "person_id", "start_date", "end_date", "recorded_at"))
    pq.write_table(pa.table({
        "offering_id": pa.array([offering_of[r[0]] for r in spells], pa.int64()),
        "person_id": pa.array([str(r[1]) for r in spells], pa.string()),
        "start_date": pa.array([r[2] for r in spells], pa.date32()),
        "end_date": pa.array([r[3] for r in spells], pa.date32()),
        "recorded_at": pa.array([r[4] for r in spells], pa.timestamp("us", tz="UTC")),
    }), directory / "provision_participation.parquet")
    return {"provision_serviceoffering": len(offerings), "provision_offeringcapacity": len(changes),
            "provision_participation": len(spells)}


def _export_assignments(directory: Path, known_at: datetime) -> int:
    """Caseload assignments as they stood at ``known_at``: started by then, an end after it not yet known."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from polku.casework.models import CaseAssignment

    rows = list(CaseAssignment.objects.filter(started_at__lte=known_at).values_list(
        "person_id", "counsellor_id", "started_at", "ended_at"))
    pq.write_table(pa.table({
        "person_id": pa.array([str(r[0]) for r in rows], pa.string()),
        "counsellor_id": pa.array([r[1] for r in rows], pa.int64()),
        "started_at": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
        "ended_at": pa.array([r[3] if r[3] is not None and r[3] <= known_at else None for r in rows],
                             pa.timestamp("us", tz="UTC")),
    }), directory / "casework_caseassignment.parquet")
    return len(rows)


def _export_decisions(directory: Path, known_at: datetime) -> int:
    """Decisions are not versioned facts: what was recorded by ``known_at`` is what was created by then."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from polku.provision.models import Decision

    rows = list(Decision.objects.filter(created_at__lte=known_at).values_list(
        "person_id", "kind", "municipality_id", "decided_on", "monthly_amount", "months", "created_at"))
    pq.write_table(pa.table({
        "person_id": pa.array([str(r[0]) for r in rows], pa.string()),
        "kind": pa.array([r[1] for r in rows], pa.string()),
        "municipality_id": pa.array([r[2] for r in rows], pa.string()),
        "decided_on": pa.array([r[3] for r in rows], pa.date32()),
        "monthly_amount": pa.array([r[4] for r in rows], pa.decimal128(10, 2)),
        "months": pa.array([r[5] for r in rows], pa.int16()),
        "created_at": pa.array([r[6] for r in rows], pa.timestamp("us", tz="UTC")),
    }), directory / "provision_decision.parquet")
    return len(rows)
