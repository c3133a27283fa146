"""The synthetic population simulator: reproducibility, invariants, writers, the command.

Small scaled profiles keep the file fast; the database tests run on whichever database
``DATABASE_URL`` selects (SQLite by default, PostgreSQL in ``make test-postgres``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.fi import hetu

from polku.core.calendar import max_benefit_days_in_month
from polku.people import personal_id
from polku.people.models import Person
from polku.simulator import catalogue as c
from polku.simulator import identity
from polku.simulator.models import SimulatedPerson, SimulationRun
from polku.simulator.profiles import get_profile, profile_names
from polku.simulator.tables import TABLES, BatchTables
from polku.simulator.writers import (
    AlreadySimulatedError,
    _decimal_cents,
    iterate_batches,
    profile_loaded,
    simulate_into_database,
    simulate_to_parquet,
)
from polku.timeline.models import (
    BenefitMonth,
    EmploymentConditionMet,
    HomeMunicipalitySpell,
    JobSearchPeriod,
    StatusSpell,
)


class InjectedFailureError(Exception):
    """Injected failure in the middle of a write."""


def simulate_tables(name: str, seed: int, persons: int, batch_size: int = 10_000) -> list[BatchTables]:
    profile = get_profile(name, persons=persons, batch_size=batch_size)
    return list(iterate_batches(profile, seed, progress=False))


def concat(batches: list[BatchTables], table: str) -> dict[str, np.ndarray]:
    names = batches[0].columns[table].keys()
    return {k: np.concatenate([b.columns[table][k] for b in batches]) for k in names}


# -- reproducibility -------------------------------------------------------------------------


def same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "M":  # NaT never equals NaT; compare the underlying integers
        a, b = a.astype(np.int64), b.astype(np.int64)
    return np.array_equal(a, b)


def test_same_seed_gives_identical_tables_and_another_seed_does_not():
    first = simulate_tables("sotkamo-2021", seed=7, persons=400, batch_size=150)
    again = simulate_tables("sotkamo-2021", seed=7, persons=400, batch_size=150)
    other = simulate_tables("sotkamo-2021", seed=8, persons=400, batch_size=150)
    for table in TABLES:
        a, b = concat(first, table), concat(again, table)
        for column in a:
            assert same(a[column], b[column]), (table, column)
    assert not np.array_equal(concat(first, "timeline_statusspell")["start_date"],
                              concat(other, "timeline_statusspell")["start_date"])
    assert not np.array_equal(concat(first, "people_person")["id"], concat(other, "people_person")["id"])


# -- invariants on generated data ------------------------------------------------------------


def assert_no_overlap(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    order = np.lexsort((start, person))
    p, s, e = person[order], start[order], end[order]
    assert (np.isnat(e) | (e >= s)).all(), "end before start"
    same = p[1:] == p[:-1]
    # Within a person, the previous spell is closed and ends before the next one starts.
    assert not np.isnat(e[:-1][same]).any(), "an open spell is followed by another"
    assert (e[:-1][same] < s[1:][same]).all(), "overlapping spells"


def check_invariants(batches: list[BatchTables]) -> None:
    for batch in batches:
        person = batch.columns["people_person"]
        codes = identity.identity_codes(person["birth_date"], person["serial"])
        assert len(set(codes)) == len(codes)
        births = person["birth_date"].astype(date).tolist()
        for code, gender, birth in zip(codes, person["gender"], births, strict=True):
            # Validates date and checksum, and refuses anything but an artificial (900-999) code.
            assert personal_id.validate(code, require_artificial=True) == code
            assert 900 <= int(hetu.compact(code)[7:10]) <= 999
            assert personal_id.is_female(code) == (gender == "F")
            assert code[:6] == f"{birth:%d%m%y}"

        status = batch.columns["timeline_statusspell"]
        assert_no_overlap(status["person"], status["start_date"], status["end_date"])
        assert set(np.unique(status["status"])) <= set(range(c.N_STATES))
        in_service = status["status"] == c.IN_SERVICE
        assert (status["service_type"][in_service] >= 0).all()
        assert (status["service_type"][in_service] < len(c.service_types())).all()
        assert (status["service_type"][~in_service] == -1).all()

        home = batch.columns["timeline_homemunicipalityspell"]
        assert_no_overlap(home["person"], home["start_date"], home["end_date"])
        codes_known = len(c.municipalities())
        assert ((home["municipality"] >= 0) & (home["municipality"] < codes_known)).all()

        search = batch.columns["timeline_jobsearchperiod"]
        assert_no_overlap(search["person"], search["registered_on"], search["ended_on"])
        closed = ~np.isnat(search["ended_on"])
        assert (search["end_reason"][closed] >= 0).all()
        assert (search["end_reason"][~closed] == -1).all()
        # The end reason agrees with the status the person moved to the day after the search ended.
        starts = {(int(p), d): int(s) for p, d, s in zip(status["person"], status["start_date"].astype(int),
                                                         status["status"], strict=True)}
        expected = {"open_market_job": c.EMPLOYED, "entrepreneurship": c.EMPLOYED, "studies": c.STUDYING,
                    "outside_labour_force": c.OUTSIDE}
        for p, ended, reason in zip(search["person"][closed], search["ended_on"][closed].astype(int),
                                    search["end_reason"][closed], strict=True):
            code = c.END_REASONS[reason]
            following = starts.get((int(p), ended + 1))
            if code == "moved":
                assert following is None  # no status is written after moving out of the area
            else:
                assert following == expected[code], (code, following)

        benefit = batch.columns["timeline_benefitmonth"]
        key = np.stack([benefit["person"], benefit["month"].astype(int), benefit["benefit_type"], benefit["basis"]])
        assert np.unique(key, axis=1).shape[1] == key.shape[1], "duplicate (person, month, type, basis)"
        assert (benefit["days"] > 0).all()
        assert (benefit["amount_cents"] > 0).all()
        month_key = benefit["person"].astype(np.int64) * 100_000 + benefit["month"].astype(int)
        keys, inverse = np.unique(month_key, return_inverse=True)
        per_month = np.bincount(inverse, weights=benefit["days"])
        for k, total in zip(keys, per_month, strict=True):
            month = (np.datetime64(int(k % 100_000), "D")).astype(date)
            assert total <= max_benefit_days_in_month(month)
        check_benefits_follow_the_timeline(status, search, benefit)
        check_benefits_only_where_paid(status, benefit, person["birth_date"])
        check_ages(status, person["birth_date"])
        check_employment_conditions(status, batch.columns["timeline_employmentconditionmet"])


def _spells_by_person(person: np.ndarray, start: np.ndarray, end: np.ndarray, keep: np.ndarray,
                      ) -> dict[int, list[tuple[np.datetime64, np.datetime64]]]:
    out: dict[int, list[tuple[np.datetime64, np.datetime64]]] = {}
    far = np.datetime64("2100-01-01")
    for p, s, e in zip(person[keep].tolist(), start[keep], end[keep], strict=True):
        out.setdefault(p, []).append((s, far if np.isnat(e) else e))
    return out


def check_benefits_follow_the_timeline(status: dict[str, np.ndarray], search: dict[str, np.ndarray],
                                       benefit: dict[str, np.ndarray]) -> None:
    """Benefit days only while registered: a person's days in a month fit in the weekdays of that month
    spent in registered states (so never while employed), within a job-search period."""
    registered = _spells_by_person(status["person"], status["start_date"], status["end_date"],
                                   np.isin(status["status"], c.REGISTERED_STATES))
    searching = _spells_by_person(search["person"], search["registered_on"], search["ended_on"],
                                  np.ones(len(search["person"]), dtype=bool))
    totals: dict[tuple[int, np.datetime64], int] = {}
    for p, month, days in zip(benefit["person"].tolist(), benefit["month"], benefit["days"].tolist(), strict=True):
        totals[(p, month)] = totals.get((p, month), 0) + days
    for (p, month), days in totals.items():
        last = (month.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        weekdays = sum(int(np.busday_count(max(s, month), min(e, last) + np.timedelta64(1, "D")))
                       for s, e in registered.get(p, []) if s <= last and e >= month)
        assert days <= weekdays, (p, month, days, weekdays)
        assert any(s <= last and e >= month for s, e in searching.get(p, [])), (p, month)


# Services whose benefit continues (basis "service"), domain-rules §5 and service_types.csv; in all
# others (wage subsidy, 55+ support, start-up grant, apprenticeship, job alternation) the person works.
BENEFIT_SERVICES = ("labour_market_training", "coaching", "work_trial", "rehabilitative_work",
                    "self_motivated_study", "activity_centre")
UNEMPLOYMENT_BASIS_STATES = (c.UNEMPLOYED, c.LAID_OFF_FULL, c.LAID_OFF_PARTIAL, c.PART_TIME)
TOE_SERVICES = ("wage_subsidy", "wage_subsidy_55", "apprenticeship", "job_alternation_substitute")
WAGE_SUBSIDY_TOE_UNTIL = np.datetime64("2024-09-02")  # HE 13/2024: later pay-subsidised work accrues no TOE
SLACK = np.timedelta64(10, "D")  # the identity allocator may move a birth date by a few days


def _birthdays(birth: np.ndarray, years: int) -> np.ndarray:
    month = birth.astype("datetime64[M]") + 12 * years
    return month.astype("datetime64[D]") + (birth - birth.astype("datetime64[M]").astype("datetime64[D]"))


def check_benefits_only_where_paid(status: dict[str, np.ndarray], benefit: dict[str, np.ndarray],
                                   birth: np.ndarray) -> None:
    """Benefit on the basis of unemployment only in unemployed, laid-off or part-time days, on the basis of
    a service only in services where the benefit continues (never in pay-subsidised work), and only
    between the 17th and the 65th birthday."""
    service_ok = np.isin(status["service_type"], [c.service_index(code) for code in BENEFIT_SERVICES])
    allowed = {
        c.BASIS_UNEMPLOYMENT: _spells_by_person(status["person"], status["start_date"], status["end_date"],
                                                np.isin(status["status"], UNEMPLOYMENT_BASIS_STATES)),
        c.BASIS_SERVICE: _spells_by_person(status["person"], status["start_date"], status["end_date"],
                                           (status["status"] == c.IN_SERVICE) & service_ok),
    }
    adult, pension = _birthdays(birth, 17) - SLACK, _birthdays(birth, 65) + SLACK
    for p, month, basis, days in zip(benefit["person"].tolist(), benefit["month"], benefit["basis"].tolist(),
                                     benefit["days"].tolist(), strict=True):
        last = (month.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        lo, hi = max(month, adult[p]), min(last, pension[p])
        weekdays = sum(max(int(np.busday_count(max(s, lo), min(e, hi) + np.timedelta64(1, "D"))), 0)
                       for s, e in allowed[basis].get(p, []) if s <= hi and e >= lo)
        assert days <= weekdays, (p, month, c.BENEFIT_BASES[basis], days, weekdays)


def check_ages(status: dict[str, np.ndarray], birth: np.ndarray) -> None:
    """Nobody is registered before 17 or from 65 on: at 65 the person is outside the labour force."""
    person = status["person"]
    registered = np.isin(status["status"], c.REGISTERED_STATES)
    # An open spell runs at least to the last simulated event (the data end is later still).
    end = np.where(np.isnat(status["end_date"]), status["start_date"].max(), status["end_date"])
    assert (status["start_date"][registered] >= _birthdays(birth, 17)[person[registered]] - SLACK).all()
    assert (end[registered] < _birthdays(birth, 65)[person[registered]] + SLACK).all()
    assert (status["start_date"] < _birthdays(birth, 65)[person] + SLACK).all(), "a new status after 65"


def check_employment_conditions(status: dict[str, np.ndarray], toe: dict[str, np.ndarray]) -> None:
    """TOE is met on a day of a job (employed, or apprenticeship, job alternation substitute or a
    pay-subsidised job that began before 2.9.2024) that began at least (about) six months earlier."""
    subsidised = np.isin(status["service_type"], [c.service_index(s) for s in ("wage_subsidy", "wage_subsidy_55")])
    always = np.isin(status["service_type"], [c.service_index(s) for s in TOE_SERVICES]) & ~subsidised
    job = (status["status"] == c.EMPLOYED) | ((status["status"] == c.IN_SERVICE) & (
        always | (subsidised & (status["start_date"] < WAGE_SUBSIDY_TOE_UNTIL))))
    employed = _spells_by_person(status["person"], status["start_date"], status["end_date"], job)
    key = toe["person"].astype(np.int64) * 100_000 + toe["met_on"].astype(int)
    assert len(np.unique(key)) == len(key), "two TOE facts on one day"
    for p, met_on in zip(toe["person"].tolist(), toe["met_on"], strict=True):
        assert any(s + np.timedelta64(180, "D") <= met_on <= e for s, e in employed.get(p, [])), (p, met_on)


def test_history_before_the_start_is_written_as_facts():
    profile = get_profile("sotkamo-2021")
    batches = simulate_tables("sotkamo-2021", seed=3, persons=1500)
    check_invariants(batches)
    benefit = concat(batches, "timeline_benefitmonth")
    before = benefit["month"] < np.datetime64(profile.start)
    assert before.sum() > 0.1 * len(before)
    # Earlier spells are labour market subsidy on the basis of unemployment, at most the month's weekdays.
    assert set(np.unique(benefit["benefit_type"][before])) >= {c.LMS}
    assert (benefit["days"][before] <= 23).all()
    assert benefit["month"][before].min() >= np.datetime64("2000-01-01")
    status = concat(batches, "timeline_statusspell")
    assert (status["start_date"] < np.datetime64(profile.start)).sum() > 0
    toe = concat(batches, "timeline_employmentconditionmet")
    assert len(toe["person"]) > 100
    assert (toe["met_on"] >= np.datetime64(profile.start)).all()


def test_services_follow_the_age_rules_from_the_first_day():
    """The stock's services too: self-motivated study from 25, the 55+ employment support from 55."""
    profile = get_profile("sotkamo-2021")
    batches = simulate_tables("sotkamo-2021", seed=11, persons=3000)
    status = concat(batches, "timeline_statusspell")
    birth = concat(batches, "people_person")["birth_date"]
    age = (status["start_date"] - birth[status["person"]]).astype(int) / 365.25
    for code, minimum in (("self_motivated_study", 25), ("wage_subsidy_55", 55)):
        spells = status["service_type"] == c.service_index(code)
        assert spells.any()
        assert (age[spells] >= minimum - 0.1).all(), code
    first_day = status["start_date"] <= np.datetime64(profile.start)
    assert (first_day & (status["status"] == c.IN_SERVICE)).sum() > 30


def test_wage_subsidised_work_meets_the_employment_condition_until_september_2024():
    batches = simulate_tables("sotkamo-2021", seed=3, persons=3000)
    check_invariants(batches)
    status = concat(batches, "timeline_statusspell")
    toe = concat(batches, "timeline_employmentconditionmet")
    subsidy = (status["status"] == c.IN_SERVICE) & (status["service_type"] == c.service_index("wage_subsidy"))
    spells = _spells_by_person(status["person"], status["start_date"], status["end_date"], subsidy)
    in_subsidy = np.array([any(s <= d <= e for s, e in spells.get(p, []))
                           for p, d in zip(toe["person"].tolist(), toe["met_on"], strict=True)])
    assert in_subsidy.sum() > 10
    # Six months after a start before 2.9.2024 at the latest.
    assert (toe["met_on"][in_subsidy] < np.datetime64("2025-03-02")).all()
    benefit = concat(batches, "timeline_benefitmonth")
    assert (benefit["basis"] == c.BASIS_SERVICE).any()


def test_demo_profiles_run_to_october_2026_with_benefits_in_the_last_month():
    """Open spells run on to today: the demo data must not stop a year earlier (it ended in 2025-12)."""
    for name, start in (("sotkamo-2021", date(2015, 1, 1)), ("kuopio-area-2023", date(2019, 1, 1))):
        profile = get_profile(name)
        assert (profile.start, profile.end) == (start, date(2026, 10, 1))
    benefit = concat(simulate_tables("sotkamo-2021", seed=3, persons=1500), "timeline_benefitmonth")
    assert (benefit["month"] == np.datetime64("2026-10-01")).sum() > 20


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), persons=st.integers(1, 250), name=st.sampled_from(profile_names()))
def test_generated_data_keeps_the_fact_model_invariants(seed, persons, name):
    check_invariants(simulate_tables(name, seed, persons, batch_size=100))


def test_long_term_unemployment_and_all_states_occur():
    batches = simulate_tables("sotkamo-2021", seed=3, persons=1500)
    status = concat(batches, "timeline_statusspell")
    assert set(np.unique(status["status"])) == set(range(c.N_STATES))
    unemployed = (status["status"] == c.UNEMPLOYED) & ~np.isnat(status["end_date"])
    length = (status["end_date"] - status["start_date"]).astype(int)[unemployed]
    assert (length > 365).sum() > 0.05 * len(length)
    benefit = concat(batches, "timeline_benefitmonth")
    assert set(np.unique(benefit["benefit_type"])) == {c.LMS, c.BASIC, c.EARNINGS_RELATED}


# -- database writer -------------------------------------------------------------------------


def db_counts() -> dict[str, int]:
    return {
        "persons": Person.objects.filter(simulation__isnull=False).count(),
        "home_municipality_spells": HomeMunicipalitySpell.objects.filter(source="simulator").count(),
        "status_spells": StatusSpell.objects.filter(source="simulator").count(),
        "job_search_periods": JobSearchPeriod.objects.filter(source="simulator").count(),
        "benefit_months": BenefitMonth.objects.filter(source="simulator").count(),
        "employment_conditions_met": EmploymentConditionMet.objects.filter(source="simulator").count(),
    }


@pytest.mark.django_db
def test_database_round_trip_counts_and_values():
    counts = simulate_into_database("sotkamo-2021", seed=5, persons=300, batch_size=120, progress=False)
    assert counts["persons"] == 300
    assert db_counts() == counts
    run = SimulationRun.objects.get(profile="sotkamo-2021")
    assert run.seed == 5
    assert run.counts == counts
    assert run.finished_at is not None
    person = Person.objects.filter(simulation__run=run).first()
    assert person is not None
    code = personal_id.decrypt(person.personal_id_encrypted)
    assert personal_id.keyed_hash(code) == person.personal_id_hash
    assert personal_id.is_female(code) == (person.gender == "F")
    assert code[:6] == f"{person.birth_date:%d%m%y}"
    benefit = BenefitMonth.objects.filter(person__simulation__run=run).first()
    assert benefit is not None
    assert benefit.amount > 0
    assert benefit.month.day == 1
    toe = EmploymentConditionMet.objects.filter(person__simulation__run=run).first()
    assert toe is not None
    working = StatusSpell.objects.filter(person=toe.person, start_date__lte=toe.met_on)
    assert (working.filter(status_id="employed").exists()
            or working.filter(status_id="in_service", service_type_id__in=TOE_SERVICES).exists())
    spell = StatusSpell.objects.filter(source="simulator", status_id="in_service").first()
    assert spell is not None
    assert spell.service_type_id is not None
    assert spell.recorded_at.tzinfo is not None


@pytest.mark.django_db
def test_progress_shows_the_write_phase(capsys):
    simulate_into_database("sotkamo-2021", seed=1, persons=300, batch_size=150, progress=True)
    err = capsys.readouterr().err
    assert "writing batch 2/2" in err
    assert "rows" in err


def test_decimal_amounts_from_cents_are_exact():
    cents = np.array([0, 1, 99, 3721, 123_456_789, -5, 9_999_999_999], dtype=np.int64)
    values = _decimal_cents(cents).to_pylist()
    assert [str(v) for v in values] == ["0.00", "0.01", "0.99", "37.21", "1234567.89", "-0.05", "99999999.99"]


@pytest.mark.django_db
def test_second_load_is_refused_unless_replace():
    assert not profile_loaded("sotkamo-2021")
    simulate_into_database("sotkamo-2021", seed=1, persons=80, progress=False)
    assert profile_loaded("sotkamo-2021")
    with pytest.raises(AlreadySimulatedError, match="--replace"):
        simulate_into_database("sotkamo-2021", seed=1, persons=80, progress=False)
    counts = simulate_into_database("sotkamo-2021", seed=2, persons=90, replace=True, progress=False)
    assert db_counts() == counts
    assert SimulationRun.objects.filter(profile="sotkamo-2021").count() == 1
    assert SimulatedPerson.objects.count() == 90


@pytest.mark.django_db
def test_interrupted_database_write_leaves_nothing():
    def fail_after_second(batch: int) -> None:
        if batch == 1:
            raise InjectedFailureError

    with pytest.raises(InjectedFailureError):
        simulate_into_database("sotkamo-2021", seed=1, persons=300, batch_size=100, progress=False,
                               after_batch=fail_after_second)
    assert db_counts() == dict.fromkeys(db_counts(), 0)
    assert not SimulationRun.objects.exists()


# -- Parquet writer --------------------------------------------------------------------------


@pytest.mark.django_db
def test_parquet_is_readable_by_duckdb_with_the_reported_counts(tmp_path: Path):
    out = tmp_path / "sim"
    counts = simulate_to_parquet("kuopio-area-2023", out, seed=4, persons=500, batch_size=200, progress=False)
    con = duckdb.connect()
    names = {"people_person": "persons", "timeline_homemunicipalityspell": "home_municipality_spells",
             "timeline_statusspell": "status_spells", "timeline_jobsearchperiod": "job_search_periods",
             "timeline_benefitmonth": "benefit_months",
             "timeline_employmentconditionmet": "employment_conditions_met"}
    for table, key in names.items():
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{out / table}.parquet')").fetchall()[0]
        assert rows is not None
        assert rows[0] == counts[key]
    # Views over the files, so the queries below need no string building.
    for view, table in (("s", "timeline_statusspell"), ("p", "people_person"), ("b", "timeline_benefitmonth")):
        con.register(view, pq.read_table(out / f"{table}.parquet"))
    orphans = con.execute("SELECT count(*) FROM s ANTI JOIN p ON s.person_id = p.id").fetchall()[0]
    assert orphans == (0,)
    bound = con.execute("SELECT max(days) FROM (SELECT person_id, month, sum(days) AS days FROM b GROUP BY ALL)"
                        ).fetchall()[0]
    assert bound is not None
    assert bound[0] <= 23
    assert (out / "run.json").exists()
    # For analytics: no identity-code hash or ciphertext; amounts exact from integer cents.
    people = pq.read_table(out / "people_person.parquet")
    assert not {"personal_id_hash", "personal_id_encrypted"} & set(people.column_names)
    amounts = pq.read_table(out / "timeline_benefitmonth.parquet").column("amount")
    assert str(amounts.type) == "decimal128(10, 2)"
    cents = np.concatenate([b.columns["timeline_benefitmonth"]["amount_cents"]
                            for b in simulate_tables("kuopio-area-2023", 4, 500, batch_size=200)])
    assert [int(a * 100) for a in amounts.to_pylist()] == cents.tolist()
    with pytest.raises(FileExistsError):
        simulate_to_parquet("kuopio-area-2023", out, seed=4, persons=50, progress=False)


@pytest.mark.django_db
def test_interrupted_parquet_write_leaves_nothing(tmp_path: Path):
    def fail(batch: int) -> None:
        raise InjectedFailureError

    with pytest.raises(InjectedFailureError):
        simulate_to_parquet("sotkamo-2021", tmp_path / "sim", persons=200, batch_size=100, progress=False,
                            after_batch=fail)
    assert list(tmp_path.iterdir()) == []


# -- command ---------------------------------------------------------------------------------


def test_command_unknown_profile_lists_the_profiles():
    with pytest.raises(CommandError) as error:
        call_command("simulate", "--profile", "atlantis", "--no-progress")
    for name in profile_names():
        assert name in str(error.value)


@pytest.mark.django_db
def test_command_refuses_a_second_load_without_replace(capsys):
    call_command("simulate", "--profile", "sotkamo-2021", "--persons", "60", "--no-progress")
    assert "persons 60" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already been simulated"):
        call_command("simulate", "--profile", "sotkamo-2021", "--persons", "60", "--no-progress")
    call_command("simulate", "--profile", "sotkamo-2021", "--persons", "70", "--no-progress", "--replace")
    assert Person.objects.filter(simulation__isnull=False).count() == 70


# -- names -----------------------------------------------------------------------------------


def test_names_are_weighted_and_come_from_one_pool():
    rng = np.random.default_rng(5)
    n = 20_000
    language = np.where(rng.random(n) < 0.9, 0, np.where(rng.random(n) < 0.3, 1, 2)).astype(np.int8)
    female = rng.random(n) < 0.5
    first, last = identity.draw_names(rng, language, female)
    finnish = last[language == 0]
    surnames, counts = np.unique(finnish.astype(str), return_counts=True)
    assert len(surnames) >= 100
    # Weighted: Korhonen (the most common) is far more frequent than a rare surname in the list.
    frequency = dict(zip(surnames.tolist(), counts.tolist(), strict=True))
    assert frequency["Korhonen"] > 3 * frequency.get("Vauhkonen", 0)
    assert counts.max() < 0.05 * len(finnish)
    # Given names and surname from one pool of the person's language group and gender.
    pools = identity.name_pools()
    for i in range(n):
        group = ("fi", "sv", "other")[language[i]]
        assert any(last[i] in set(pool.last[0])
                   and (first[i] in (given := set((pool.female if female[i] else pool.male)[0]))
                        or set(first[i].split(" ")) <= given)
                   for pool in pools[group]), (first[i], last[i])
    # Swedish speakers have Swedish surnames.
    swedish = set(last[language == 1].astype(str))
    assert {"Lindholm", "Johansson", "Nyman"} & swedish


@pytest.mark.django_db
def test_the_planner_knows_the_simulated_rows_on_postgresql():
    """On PostgreSQL the written tables are analysed: a programme page planned on the empty tables' statistics took
    minutes on the demo (nested loops over every benefit row). SQLite keeps no such statistics."""
    from django.db import connection

    simulate_into_database("sotkamo-2021", seed=5, persons=300, batch_size=120, progress=False)
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'timeline_benefitmonth'")
        (estimated,) = cursor.fetchone()
    assert estimated >= BenefitMonth.objects.count() * 0.5
