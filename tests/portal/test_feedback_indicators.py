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
    assert positive[("2026-04", "")].suppressed  # one answer: hidden from everyone
    useful = _values("client_feedback_useful_share")
    assert useful[("2026-03", "")].value == Decimal("75")  # 5 + 1 of 8
    # By service type every group here is under five answers or beside one: the counts behind them.
    book = shipped_definitions()
    share = book.get("client_feedback_positive_share")
    table = database_backend().measure_table(Request((share,), (MARCH,), date(2026, 11, 30), ("kuopio",),
                                                     "service_type"))
    assert share.denominator is not None
    assert {g: table[(share.numerator.key, MARCH, "kuopio", g)] for g in ("work_trial", "coaching")} == {
        "work_trial": (Decimal(4), 4), "coaching": (Decimal(1), 1)}
    assert table[(share.denominator.key, MARCH, "kuopio", "work_trial")] == (Decimal(6), 6)
    year = indicator_values(shipped_definitions().get("client_feedback_useful_share"), scope_for("kuopio"), MARCH,
                            APRIL, by_year=True)
    # 7 of 9 useful, but a year's respondents are its months' average (six and one): under five, hidden.
    assert [(v.period, v.suppressed) for v in year] == [("2026", True)]
    assert _values("client_feedback_positive_share", "kainuu")[("2026-03", "")].suppressed  # two answers


def test_small_groups_are_hidden_from_every_reader(answers: list[FeedbackFact]) -> None:
    """Answers were promised anonymity: a counsellor or a manager (who see persons' data elsewhere) get the same
    suppressed figures as an elected official."""
    for suppress in (True, False):
        area = _values("client_feedback_useful_share", suppress=suppress)
        assert area[("2026-03", "")].value == 75  # six of eight answers
        assert area[("2026-04", "")].suppressed  # one answer
        teams = _values("client_feedback_useful_share", dimension="team", suppress=suppress)
        alkupalvelu, nuoret = (Team.objects.get(name=n).pk for n in ("Alkupalvelu", "Nuoret"))
        assert teams[("2026-03", str(nuoret))].suppressed  # two answers
        # Five of six would be shown, but the area's total is public: Nuoret's two would follow by subtraction.
        assert teams[("2026-03", str(alkupalvelu))].suppressed


def test_the_current_month_and_as_of_it_is_the_current_figure(answers: list[FeedbackFact], make_staff: Any,
                                                               memory_cache: None) -> None:
    """Asked "as of" this month, the page shows the current figure (kept ten minutes, not for good)."""
    from django.utils import timezone

    from polku.kpi.presenters import user_payload

    manager = make_staff(Role.MANAGER, area="kuopio").user
    this_month = f"{timezone.localdate():%Y-%m}"
    payload = user_payload(manager, indicator="client_feedback_useful_share", scope="kuopio", first_month="2026-03",
                           last_month=this_month, as_of=this_month)
    assert payload["as_of"] is None
    assert payload["values"][0]["value"] == "75.0"


def test_a_municipality_has_no_figure_of_its_own(answers: list[FeedbackFact]) -> None:
    from polku.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="työllisyysalueelle"):
        _values("client_feedback_positive_share", "297")


def test_as_of_counts_the_months_ended_by_then(answers: list[FeedbackFact]) -> None:
    end_of_march = _values("client_feedback_positive_share", as_of=MARCH)
    assert end_of_march[("2026-03", "")].value == Decimal("62.5")
    assert ("2026-04", "") not in end_of_march  # April had not begun


def test_same_measure_table_on_every_engine(answers: list[FeedbackFact], tmp_path: Path) -> None:
    """Only months that have ended count: before the reference date, and as of a moment, ended by then."""
    book = shipped_definitions()
    moments = ((date(2026, 11, 30), None, True), (date(2026, 4, 15), None, False),
               (date(2026, 11, 30), datetime(2026, 4, 15, 12, tzinfo=UTC), False),
               (date(2026, 4, 30), datetime(2026, 4, 30, 21, 0, tzinfo=UTC), True))  # 1.5. 00:00 in Helsinki
    for dimension in (None, "service_type", "team"):
        for horizon, known_at, april_counts in moments:
            request = Request(tuple(book.get(c) for c in CODES), (MARCH, APRIL), horizon, None, dimension,
                              known_at=known_at)
            database = database_backend().measure_table(request)
            reference = reference_measure_table(request, [], shipped_vocabulary(), feedback=answers)
            from polku.kpi.snapshot import export_parquet

            export_parquet(tmp_path)
            with duckdb.connect() as connection:
                parquet = duckdb_parquet_backend(connection, tmp_path, shipped_vocabulary()).measure_table(request)
            assert database == reference == parquet, (dimension, known_at)
            assert database  # something was counted
            assert any(key[1] == APRIL for key in database) == april_counts, (horizon, known_at)
            if april_counts and dimension is None:  # the one April answer, positive: one respondent behind it
                positive = book.get("client_feedback_positive_share").numerator.key
                assert database[(positive, APRIL, "kuopio", "")] == (Decimal(1), 1)
