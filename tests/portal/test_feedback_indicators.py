"""The clients' feedback as indicators: positive answers and "the service was useful", per area, service type and
team. Hand-stated values; the same measure table from the database in use, DuckDB over a Parquet snapshot and the
pure-Python reference; small groups hidden; "as of" counts the months ended by then (answers keep no time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from polku.access.models import Role, Team
from polku.kpi.definitions import shipped_definitions
from polku.kpi.engine import Request
from polku.kpi.reference_evaluator import FeedbackFact, reference_measure_table
from polku.kpi.relations import shipped_vocabulary
from polku.kpi.selectors import database_backend, duckdb_parquet_backend, indicator_values, scope_for
from polku.portal.models import FeedbackAnswer
from polku.reference.models import EmploymentArea

pytestmark = pytest.mark.django_db
CODES = ("client_feedback_positive_share", "client_feedback_useful_share")
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def answers(make_staff: Any) -> list[FeedbackFact]:
    """Kuopio's area: in March six answers on work trials by team Alkupalvelu (four positive, five useful) and two
    on coaching by team Nuoret; in April one answer. Kainuu: two answers in March."""
    make_staff(Role.COUNSELLOR, area="kuopio", team="Alkupalvelu")
    make_staff(Role.COUNSELLOR, area="kuopio", team="Nuoret")
    make_staff(Role.COUNSELLOR, area="kainuu", team="Kajaani")
    teams = {t.name: t for t in Team.objects.all()}
    plan = [  # team, month, service type, satisfaction, useful
        *[("Alkupalvelu", MARCH, "work_trial", s, u) for s, u in ((5, True), (4, True), (4, True), (5, True),
                                                                   (2, True), (1, False))],
        ("Nuoret", MARCH, "coaching", 3, False), ("Nuoret", MARCH, "coaching", 5, True),
        ("Alkupalvelu", APRIL, "work_trial", 4, True),
        ("Kajaani", MARCH, "work_trial", 5, True), ("Kajaani", MARCH, "work_trial", 2, False),
    ]
    facts = []
    for team_name, month, service, satisfaction, useful in plan:
        team = teams[team_name]
        FeedbackAnswer.objects.create(kind="after_service", service_type=service, team=team, area_id=team.area_id,
                                      month=month, satisfaction=satisfaction, useful=useful)
        area = EmploymentArea.objects.get(pk=team.area_id).code
        facts.append(FeedbackFact(area, month, satisfaction, useful, "after_service", service, str(team.pk)))
    return facts


def _values(code: str, scope: str = "kuopio", **options: Any) -> dict[tuple[str, str], Any]:
    values = indicator_values(shipped_definitions().get(code), scope_for(scope), MARCH, APRIL, **options)
    return {(v.period, v.group): v for v in values}


def test_golden_values(answers: list[FeedbackFact]) -> None:
    positive = _values("client_feedback_positive_share")
    # March: 4 + 1 positive of 8 answers; April: 1 of 1.
    assert positive[("2026-03", "")].value == Decimal("62.5")
    assert positive[("2026-04", "")].value == 100
    useful = _values("client_feedback_useful_share")
    assert useful[("2026-03", "")].value == Decimal("75")  # 5 + 1 of 8
    by_service = _values("client_feedback_positive_share", dimension="service_type")
    assert by_service[("2026-03", "work_trial")].value == Decimal("66.7")  # 4 of 6 (one decimal)
    assert by_service[("2026-03", "coaching")].value == 50
    year = indicator_values(shipped_definitions().get("client_feedback_useful_share"), scope_for("kuopio"), MARCH,
                            APRIL, by_year=True)
    assert [(v.period, v.value) for v in year] == [("2026", Decimal("77.8"))]  # 7 of 9
    assert _values("client_feedback_positive_share", "kainuu")[("2026-03", "")].value == 50


def test_small_groups_are_hidden_for_officials(answers: list[FeedbackFact]) -> None:
    area = _values("client_feedback_useful_share", suppress=True)
    assert area[("2026-03", "")].value == 75  # six of eight answers
    assert area[("2026-04", "")].suppressed  # one answer
    teams = _values("client_feedback_useful_share", dimension="team", suppress=True)
    alkupalvelu, nuoret = (Team.objects.get(name=n).pk for n in ("Alkupalvelu", "Nuoret"))
    assert teams[("2026-03", str(nuoret))].suppressed  # two answers
    # Five of six would be shown, but the area's total is public: Nuoret's two would follow by subtraction.
    assert teams[("2026-03", str(alkupalvelu))].suppressed
    unsuppressed = _values("client_feedback_useful_share", dimension="team")
    assert unsuppressed[("2026-03", str(alkupalvelu))].value == Decimal("83.3")


def test_a_municipality_has_no_figure_of_its_own(answers: list[FeedbackFact]) -> None:
    from polku.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="työllisyysalueelle"):
        _values("client_feedback_positive_share", "297")


def test_as_of_counts_the_months_ended_by_then(answers: list[FeedbackFact]) -> None:
    end_of_march = _values("client_feedback_positive_share", as_of=MARCH)
    assert end_of_march[("2026-03", "")].value == Decimal("62.5")
    assert ("2026-04", "") not in end_of_march  # April had not begun


def test_same_measure_table_on_every_engine(answers: list[FeedbackFact], tmp_path: Path) -> None:
    book = shipped_definitions()
    for dimension in (None, "service_type", "team"):
        for known_at in (None, datetime(2026, 4, 15, 12, tzinfo=UTC)):
            request = Request(tuple(book.get(c) for c in CODES), (MARCH, APRIL), date(2026, 11, 30), None, dimension,
                              known_at=known_at)
            database = database_backend().measure_table(request)
            reference = reference_measure_table(request, [], shipped_vocabulary(), feedback=answers)
            from polku.kpi.snapshot import export_parquet

            export_parquet(tmp_path)
            with duckdb.connect() as connection:
                parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
            assert database == reference == parquet, (dimension, known_at)
            assert database  # something was counted
            assert any(key[1] == APRIL for key in database) == (known_at is None)  # mid-April: April not ended
