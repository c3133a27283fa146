"""Proof that the exchange format holds everything the figures are computed from.

Simulate the Kuopio area with its case work, export everything, empty the database of persons (their facts, case
work and source records go with them), import the files back, and compare: every KPI's measure table, the municipal
share of every person and month under both rule sets, and every counsellor's worklist must be identical. Persons get
new ids on the way back, so everything is compared by the identity code's keyed hash.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from polku.access.models import Role, StaffProfile
from polku.casework import selectors as casework
from polku.casework.demo import simulate_casework
from polku.casework.models import CaseAssignment
from polku.core.calendar import iter_months, month_start
from polku.exchange.models import RunStatus, SourceRecord
from polku.exchange.services import export_now, import_now
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import Request
from polku.kpi.selectors import database_backend
from polku.municipal_share.engine import person_share_rows
from polku.municipal_share.rules import forced_book, shipped_rule_book
from polku.municipal_share.selectors import person_facts
from polku.people.models import Person
from polku.provision.models import Decision, EmployerKind
from polku.provision.services import budget_set, decision_create, employer_create
from polku.simulator.writers import simulate_into_database
from polku.timeline.models import HomeMunicipalitySpell

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("partitioning")]
AREA = ("297", "204", "239", "402", "686", "687", "749", "778", "844", "857", "921")  # the Kuopio area


def _hashes() -> dict[Any, str]:
    return dict(Person.objects.values_list("pk", "personal_id_hash"))


def _kpis(today: date) -> dict[Any, Any]:
    """Every indicator's measure table, for the area's municipalities, by month, and by age group and team."""
    hashes = _hashes()
    months = tuple(iter_months(date(2023, 1, 1), month_start(today)))
    indicators = tuple(d for d in shipped_definitions().latest() if d.numerator.relation in ("stock", "events",
                                                                                              "decisions"))
    out: dict[Any, Any] = {}
    for dimension in (None, "age_group", "team", "service_type", "outcome"):
        request = Request(indicators, months, today, AREA, dimension)
        table = database_backend().measure_table(request)
        out[dimension] = dict(table.items())
    out["decisions"] = sorted((hashes[p], *rest) for p, *rest in Decision.objects.values_list(
        "person_id", "kind", "decided_on", "start_date", "months", "monthly_amount", "percent", "employer__business_id",
        "municipality_id"))
    out["caseload"] = sorted((hashes[p], c or "", t or "", phase, str(v)) for p, c, t, phase, v in
                             CaseAssignment.objects.filter(ended_at__isnull=True).values_list(
                                 "person_id", "counsellor__username", "team__name", "phase", "valid_from"))
    return out


def _shares(today: date) -> dict[str, list[tuple[Any, ...]]]:
    hashes = _hashes()
    book = shipped_rule_book()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for code in ("tmt-2015", "tyottomyysetuudet-2025"):
        forced = forced_book(book, code)
        rows = []
        for facts in person_facts(list(hashes)):
            rows += [(hashes[r.person_id], r.month, r.benefit_type, r.basis, r.municipality, r.counted_days,
                      r.counter_after, r.paid_eur, r.municipal_eur) for r in person_share_rows(facts, forced)]
        out[code] = sorted(rows)
    return out


def _worklists(today: date) -> dict[str, Any]:
    hashes = _hashes()
    out = {}
    for profile in StaffProfile.objects.filter(role=Role.COUNSELLOR).select_related("user"):
        worklist = casework.worklist(Person.objects.all(), today, counsellor_id=profile.user_id)
        out[profile.user.username] = (
            sorted((hashes[r.person_id], r.item.kind, r.item.due_on, r.item.state, r.counsellor, r.team, r.phase)
                   for r in worklist.rows),
            worklist.counts, worklist.states, worklist.clients)
    return out


def _decide(admin: Any) -> None:
    """A few wage-subsidy, start-up grant and kuntalisä decisions (the simulation makes none)."""
    association = employer_create(name="Yhdistys ry", business_id="0737546-2", kind=EmployerKind.ASSOCIATION)
    budget_set(municipality_code="297", year=2025, amount=Decimal("100000"))
    homes = HomeMunicipalitySpell.objects.filter(municipality_id="297", superseded_at__isnull=True,
                                                 start_date__lte=date(2025, 3, 1)).exclude(end_date__lt=date(2025, 3, 1))
    persons = [h.person for h in homes.select_related("person")[:3]]
    decision_create(person=persons[0], kind="wage_subsidy", employer=association, percent=100,
                    monthly_amount=Decimal("1500.00"), months=6, start_date=date(2025, 4, 1),
                    decided_on=date(2025, 3, 3), actor=admin)
    decision_create(person=persons[1], kind="start_up_grant", monthly_amount=Decimal("800.00"), months=6,
                    start_date=date(2025, 5, 1), decided_on=date(2025, 4, 2), actor=admin)
    decision_create(person=persons[2], kind="municipal_wage_supplement", employer=association,
                    monthly_amount=Decimal("300.00"), months=12, start_date=date(2025, 4, 1),
                    decided_on=date(2025, 3, 20), actor=admin)


def _snapshot(today: date) -> dict[str, Any]:
    return {"kpis": _kpis(today), "shares": _shares(today), "worklists": _worklists(today)}


def test_export_and_import_into_an_empty_database_changes_no_figure(tmp_path: Path, make_staff: Any) -> None:
    today = timezone.localdate()
    simulate_into_database("kuopio-area-2023", seed=5, persons=500, progress=False)
    simulate_casework("kuopio", today=today)
    admin = make_staff(role=Role.ADMIN, area=None).user
    _decide(admin)
    before = _snapshot(today)
    assert before["shares"]["tyottomyysetuudet-2025"], "the simulation pays benefits"
    assert all(before["kpis"][d] for d in (None, "age_group", "team")), "the indicators have figures"
    assert before["kpis"]["caseload"], "clients have counsellors"
    assert len(before["kpis"]["decisions"]) == 3
    assert any(rows for rows, *_ in before["worklists"].values()), "counsellors have due items"

    _, written = export_now(user=admin, out_dir=tmp_path, scope_code=None)
    assert {f.entity for f in written} >= {"persons", "homes", "status_spells", "benefit_months", "meetings", "plans",
                                           "assignments", "decisions"}
    Person.objects.all().delete()
    assert not SourceRecord.objects.exists()

    files = [(path, path.name) for path in sorted(tmp_path.glob("*.csv"))]
    run = import_now(user=admin, files=files, profile="polku-exchange-v1", mode="delta", scope_code=None)
    assert run.status == RunStatus.DONE, list(run.problems.values_list("file", "row", "column", "message")[:10])
    after = _snapshot(today)
    assert after["kpis"] == before["kpis"]
    assert after["shares"] == before["shares"]
    assert after["worklists"] == before["worklists"]

    # The same files again: nothing changes, nothing is written.
    again = import_now(user=admin, files=files, profile="polku-exchange-v1", mode="delta", scope_code=None)
    assert again.status == RunStatus.DONE
    assert all(c["new"] == c["changed"] == c["retracted"] == 0 for c in again.counts.values()), again.counts
    assert sum(c["unchanged"] for c in again.counts.values()) == sum(f.rows for f in written)
