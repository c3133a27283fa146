"""Reference evaluator = SQLite = PostgreSQL = DuckDB for the derived relations, on random histories.

The SQL of each relation is written once (``polku.derived.relations``) and transpiled by ``polku.derived.sql``; these
tests run it on every engine and compare with the readable Python (``runs``, ``ages``, ``membership``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polku.derived import ages, relations, runs
from polku.derived.membership import Dated, value_on
from polku.derived.relations import covers
from polku.derived.vocabulary import Vocabulary, status_vocabulary
from tests.derived.engines import engines

VOCABULARY = Vocabulary(unemployed_statuses=tuple(sorted(status_vocabulary().unemployed)), service_status="in_service",
                        activation_services=("coaching", "wage_subsidy"))
STATUSES = ["unemployed", "laid_off_full", "laid_off_partial", "employed", "in_service", "studying", "outside"]
SERVICES = ["coaching", "wage_subsidy", "startup_grant"]
SPELL_COLUMNS = {"person_id": "VARCHAR(10)", "start_date": "DATE", "end_date": "DATE", "status_id": "VARCHAR(40)",
                 "service_type_id": "VARCHAR(40)"}
FIRST = date(2019, 1, 1)


@st.composite
def histories(draw: Any) -> dict[str, list[runs.StatusFact]]:
    """Persons' non-overlapping spells: each begins right after the previous one or after a gap, some still open."""
    out: dict[str, list[runs.StatusFact]] = {}
    for p in range(draw(st.integers(1, 4))):
        day = FIRST + timedelta(days=draw(st.integers(0, 60)))
        spells = []
        for i in range(draw(st.integers(0, 7))):
            status = draw(st.sampled_from(STATUSES))
            service = draw(st.sampled_from(SERVICES)) if status == "in_service" else None
            length = draw(st.integers(0, 400))
            last = i == 6 or draw(st.integers(0, 5)) == 0
            end = None if last and draw(st.booleans()) else day + timedelta(days=length)
            spells.append(runs.StatusFact(day, end, status, service))
            if end is None:
                break
            day = end + timedelta(days=1 + draw(st.sampled_from([0, 0, 0, 1, 30])))
        out[f"p{p}"] = spells
    return out


def _spell_rows(history: dict[str, list[runs.StatusFact]]) -> list[tuple[Any, ...]]:
    return [(p, s.start, s.end, s.status, s.service_type) for p, spells in history.items() for s in spells]


def _reference_runs(history: dict[str, list[runs.StatusFact]], horizon: date) -> set[tuple[Any, ...]]:
    out = set()
    for person, spells in history.items():
        annotated = runs.annotate(spells, VOCABULARY.unemployed_statuses, horizon,
                                  service_status=VOCABULARY.service_status,
                                  activation_services=VOCABULARY.activation_services)
        for s in annotated:
            # What the SQL reads in one pass, as the join of the person's spells it stands for.
            earlier_runs = [t.end for t in annotated if t.unemployed and t.run_no < s.run_no and t.end is not None]
            services_before = [t.end for t in annotated if t.in_activation and t.start < s.start and t.end is not None]
            out.add((person, s.start, s.end, int(s.unemployed), int(s.in_activation), s.run_no,
                     s.run_start if s.unemployed else None, int(s.after_service),
                     max(earlier_runs, default=None) if s.unemployed else None, max(services_before, default=None)))
    return out


def _runs_agree(history: dict[str, list[runs.StatusFact]], horizon: date) -> None:
    sql = (f"WITH {relations.status_runs_ctes('SELECT * FROM spells', VOCABULARY, horizon)} "
           "SELECT person_id, start_date, end_date, u, a, run_no, CASE WHEN u = 1 THEN run_start END, after_service, "
           "prev_run_end, last_a_end FROM runs_flagged")
    expected = _reference_runs(history, horizon)
    for name, run in engines().items():
        got = {tuple(int(v) if isinstance(v, bool) else v for v in row)
               for row in run([("spells", SPELL_COLUMNS, _spell_rows(history))], sql)}
        assert got == expected, name


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), horizon_days=st.integers(0, 2000))
def test_unemployment_runs_agree(history: dict[str, list[runs.StatusFact]], horizon_days: int) -> None:
    _runs_agree(history, FIRST + timedelta(days=horizon_days))


@pytest.mark.django_db
def test_earlier_runs_and_services_are_found() -> None:
    """Unemployed, employed, unemployed again (the earlier run's end is found across the job), and an activation
    service between two laid-off spells (its end is found by the later one, and by nothing before it)."""
    def spell(start: date, days: int | None, status: str, service: str | None = None) -> runs.StatusFact:
        return runs.StatusFact(start, None if days is None else start + timedelta(days=days), status, service)

    _runs_agree({"p0": [spell(date(2019, 1, 1), 59, "unemployed"), spell(date(2019, 3, 2), 60, "employed"),
                        spell(date(2019, 5, 2), 30, "unemployed"), spell(date(2019, 6, 2), None, "laid_off_full")],
                 "p1": [spell(date(2019, 1, 1), 30, "laid_off_full"), spell(date(2019, 2, 1), 40, "in_service", "coaching"),
                        spell(date(2019, 3, 13), 10, "unemployed"), spell(date(2019, 4, 1), None, "unemployed")]},
                date(2020, 1, 1))


@given(history=histories(), day_offset=st.integers(0, 2000))
def test_run_length_and_runs_are_one_reading(history: dict[str, list[runs.StatusFact]], day_offset: int) -> None:
    """The run on a day, its length, and the list of runs say the same thing."""
    day = FIRST + timedelta(days=day_offset)
    for spells in history.values():
        annotated = runs.annotate(spells, VOCABULARY.unemployed_statuses, day)
        status, start = runs.status_and_run_start(annotated, day)
        found = [r for r in runs.runs(annotated) if r.start <= day and (r.end is None or day <= r.end)]
        if start is None:
            assert runs.run_length_on(annotated, day) == 0
            assert status not in VOCABULARY.unemployed_statuses
        else:
            assert [r.start for r in found] == [start]
            assert runs.run_length_on(annotated, day) == found[0].length_on(day) == (day - start).days + 1


births = st.dates(min_value=date(1940, 1, 1), max_value=date(2012, 12, 31))
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(births, days), min_size=1, max_size=12),
       scheme=st.sampled_from(sorted(ages.age_schemes())))
def test_age_groups_agree(rows: list[tuple[date, date]], scheme: str) -> None:
    """Each named scheme's group in SQL (thresholds from ``born_by``) = in Python (``age_on``)."""
    chosen = ages.age_scheme(scheme)
    # One query per day: the thresholds are literals of that day, as the engines hand them to SQL.
    for name, run in engines().items():
        for i, (birth, day) in enumerate(rows):
            thresholds = {f"t{a}": v for a, v in
                          zip(chosen.bounds, relations.age_thresholds(day, chosen.bounds), strict=True)}
            sql = f"SELECT {chosen.case_sql('birth', '{{t{age}}}').format(**thresholds)} FROM persons"
            got = run([("persons", {"birth": "DATE"}, [(birth,)])], sql)
            assert got == [(chosen.group_of(birth, day),)], (name, i, birth, day)


@st.composite
def home_spells(draw: Any) -> list[Dated]:
    day, out = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 30))), []
    for _ in range(draw(st.integers(0, 5))):
        end = day + timedelta(days=draw(st.integers(0, 200)))
        open_end = draw(st.integers(0, 6)) == 0
        out.append(Dated(day, None if open_end else end, draw(st.sampled_from(["205", "765", "297"]))))
        if open_end:
            break
        day = end + timedelta(days=draw(st.sampled_from([1, 1, 5])))
    return out


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(homes=home_spells(), probe=st.lists(st.integers(0, 1200), min_size=1, max_size=6, unique=True))
def test_home_on_a_date_agrees(homes: list[Dated], probe: list[int]) -> None:
    probes = [date(2020, 1, 1) + timedelta(days=n) for n in probe]
    expected = {(d, value_on(homes, d, "value")) for d in probes}
    sql = (f"SELECT d.day, h.municipality_id FROM probes d LEFT JOIN homes h ON {covers('h', 'd.day')}")
    for name, run in engines().items():
        got = set(run([("homes", {"start_date": "DATE", "end_date": "DATE", "municipality_id": "VARCHAR(3)"},
                        [(h.start, h.end, h.value) for h in homes]),
                       ("probes", {"day": "DATE"}, [(d,) for d in probes])], sql))
        assert got == expected, name


@pytest.mark.django_db
def test_vocabulary_names_catalogue_statuses_and_sets_the_flag() -> None:
    """Every class names statuses of the catalogue, with a source; the catalogue's flag follows the class."""
    from polku.reference.models import LabourMarketStatus

    vocabulary = status_vocabulary()
    codes = set(LabourMarketStatus.objects.values_list("code", flat=True))
    for name, entry in vocabulary.classes.items():
        assert entry.statuses <= codes, name
        assert entry.source.strip(), name
    assert set(LabourMarketStatus.objects.filter(counts_as_unemployed=True).values_list("code", flat=True)) \
        == vocabulary.unemployed
    assert vocabulary.job_seekers == vocabulary.unemployed | vocabulary.part_time


def test_age_schemes_are_named_sourced_and_cover_every_age() -> None:
    for name, scheme in ages.age_schemes().items():
        assert scheme.groups[0][1] == 0, name
        assert list(scheme.bounds) == sorted(scheme.bounds), name
        assert scheme.source.strip(), name
    assert ages.age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24
    assert ages.age_on(date(2000, 2, 29), date(2025, 3, 1)) == 25
