"""The fact relations indicators aggregate over, derived from the timelines as SQL in three dialects.

* ``stock``: one row per person and month whose status spell covers the month's calculation day
  (laskentapäivä): status, service, the continuous unemployment run it belongs to, structural-
  unemployment component, home municipality on that day, age group, gender, language, team.
* ``events``: dated happenings: an unemployment run began (and whether it lasted over 3 months), a job
  search ended (with its outcome), a service began (with its type); placed by the home on that day.
* ``share``: the municipal-share engine's euros (``polku.municipal_share``), per benefit row.
* ``labour_force``: an input series by municipality and year (``reference.LabourForce``).
* ``decisions``: wage subsidy, start-up grant and municipal supplement decisions recorded in
  ``polku.provision``, by month of decision and paying municipality.
* ``caseload``: counsellors' clients with an open job search on the calculation day (``polku.casework``),
  by counsellor and the clients' home municipality.
* ``service_places``: the service catalogue's offerings (``polku.provision``) open on the calculation day, with
  their places that day and their participants that day. Offerings belong to an employment *area*, not to a
  municipality, so this relation is placed by area (``Relation.placement``): its figures exist for areas only.
* ``job_offers``: job offers (``polku.employer_services``) by month of the offer, placed by the job seeker's home
  that day, with their outcome as recorded by then.
* ``competence_profiles``: job seekers with an open job search on the calculation day, placed by their home that
  day, and whether a competence profile of theirs had been written by the end of the day.
* ``employer_contacts``: the employer services' contacts with employers by month, placed by the employer's
  municipality (employers recorded without one have no place in municipal figures).
* ``client_feedback``: the clients' anonymous feedback answers (``polku.portal``) by month, placed by the area of
  the team that served them; an answer carries no person, so each answer stands for one respondent. Only months
  that have ended count, and small cells are hidden from every reader: a figure that moved while a client was
  visiting would tell their answer.

Every date the rules need (a year before the calculation day, 16 months before, the 25th birthday
threshold …) is computed once in Python per month and handed to SQL as a small table. The SQL is written
once, in the derived layer's conventions (``polku.derived.sql``), and rendered for SQLite, PostgreSQL or
DuckDB there; the status vocabulary, the unemployment runs, the age groups and the current facts are the
derived layer's (``polku.derived``), not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from polku.core.calendar import add_months
from polku.derived.ages import EMPLOYMENT_STATISTICS, age_scheme, born_by
from polku.derived.calendar import calculation_day
from polku.derived.facts import current_sql
from polku.derived.parts import Part, in_part_sql
from polku.derived.relations import status_runs_ctes
from polku.derived.sql import date_literal, in_list, render
from polku.derived.vocabulary import Vocabulary, shipped_vocabulary, status_vocabulary

__all__ = ["RELATIONS", "CalcMonth", "Relation", "Sources", "Vocabulary", "base_ctes", "calc_months", "events_ctes",
           "shipped_vocabulary", "spells_table_sql", "stock_ctes"]

OPEN_END = "9999-12-31"


@dataclass(frozen=True)
class Relation:
    name: str
    columns: dict[str, str]  # filterable column → kind (bool, text)
    dimensions: dict[str, str]  # disaggregation → column
    aggregates: tuple[str, ...] = ("count",)
    # What the rows are placed by: a municipality (areas sum their members) or an employment area itself (the
    # relation has no municipal figures; its rows carry the area's code where the others carry a municipality's).
    placement: str = "municipality"
    # Rows promised anonymity (feedback answers): small cells are hidden from every reader, whatever their role.
    anonymous: bool = False


_PERSON_DIMENSIONS = {"municipality": "municipality", "area": "municipality", "team": "team_id",
                      "age_group": "age_group", "gender": "gender", "language": "language"}
RELATIONS: dict[str, Relation] = {
    "stock": Relation("stock", {
        "unemployed": "bool", "in_activation_service": "bool", "unemployed_or_in_service": "bool",
        "long_term": "bool", "under_25": "bool", "structural": "text", "status": "text", "service_type": "text",
        "age_group": "text", "gender": "text", "language": "text",
    }, {**_PERSON_DIMENSIONS, "service_type": "service_type", "structural": "structural"}),
    "events": Relation("events", {"kind": "text", "detail": "text", "age_group": "text", "gender": "text",
                                  "language": "text"},
                       {**_PERSON_DIMENSIONS, "outcome": "detail"}),
    "share": Relation("share", {"benefit_type": "text", "rule_set": "text"},
                      {"municipality": "municipality", "area": "municipality", "benefit_type": "benefit_type"},
                      ("sum",)),
    "labour_force": Relation("labour_force", {}, {"municipality": "municipality", "area": "municipality"}, ("sum",)),
    # Recorded decisions (polku.provision): one row per decision, in the month of the decision, charged to the
    # paying municipality; "sum" adds the decision's total euros (euros a month × months).
    "decisions": Relation("decisions", {"kind": "text"},
                          {"municipality": "municipality", "area": "municipality", "kind": "kind"}, ("count", "sum")),
    # Caseloads (polku.casework) on the calculation day: one row per counsellor and municipality, "sum" adds the
    # counsellor's clients with an open job search living there, "count" counts the counsellors.
    "caseload": Relation("caseload", {}, {"municipality": "municipality", "area": "municipality"}, ("count", "sum")),
    # Service offerings (polku.provision) open on the calculation day: one row per offering, placed by its area;
    # "capacity" adds its places that day (the latest capacity change in force), "participants" the persons whose
    # participation in it covers the day, "count" counts the offerings.
    "service_places": Relation("service_places", {"service_type": "text"},
                               {"area": "area", "service_type": "service_type"},
                               ("count", "capacity", "participants"), placement="area"),
    # Job offers (polku.employer_services): one row per offer in the month it was made, placed by the job seeker's
    # home that day; "outcome" is "open" until an outcome dated by the moment asked about was recorded.
    "job_offers": Relation("job_offers", {"binding": "bool", "outcome": "text"},
                           {"municipality": "municipality", "area": "municipality"}),
    # Competence profiles (polku.employer_services) on the calculation day: one row per job seeker with an open job
    # search, placed by the home that day; "has_profile" when a profile had been written by the end of the day.
    "competence_profiles": Relation("competence_profiles", {"has_profile": "bool"},
                                    {"municipality": "municipality", "area": "municipality"}),
    # Employer contacts (polku.employer_services): one row per contact in its month, placed by the employer's
    # municipality; contacts are with organisations, so no person stands behind them.
    "employer_contacts": Relation("employer_contacts", {"kind": "text"},
                                  {"municipality": "municipality", "area": "municipality"}),
    # Feedback answers (polku.portal): one row per answer in its month, placed by the area of the client's team;
    # "positive" when satisfaction was 4 or 5 on the 1–5 scale. Answers have no person: each is one respondent.
    "client_feedback": Relation("client_feedback", {"positive": "bool", "useful": "bool", "kind": "text",
                                                    "service_type": "text"},
                                {"area": "area", "service_type": "service_type", "team": "team_id"},
                                placement="area", anonymous=True),
}

# Relations over facts recorded outside the timeline: their cached figures are keyed by that family's generation
# (``polku.core.precomputed.RECORDED_FACTS``), moved on by each offer, contact or new profile. (Feedback answers
# count only in months that have ended, so a new answer changes no figure shown: no generation for them.)
RECORDED_RELATIONS = frozenset({"job_offers", "competence_profiles", "employer_contacts"})

AGES = age_scheme(EMPLOYMENT_STATISTICS)  # the age_group disaggregation; y25 also gives under_25
AGE_BOUNDS = tuple(sorted({*AGES.bounds, 25}))
STRUCTURAL_WINDOW_MONTHS = 16
STRUCTURAL_MIN_DAYS = 365  # "at least 12 months within the last 16" (domain-rules §3, S25)
RECENT_SERVICE_MONTHS = 3
FLOW_DAYS = 90  # "over 3 months": more than 90 days of continuous unemployment


@dataclass(frozen=True)
class CalcMonth:
    """A month, its calculation day and the thresholds the rules compare dates with."""

    month: date
    day: date

    @property
    def year_before(self) -> date:
        return born_by(self.day, 1)

    @property
    def window16_start(self) -> date:
        return add_months(self.day, -STRUCTURAL_WINDOW_MONTHS) + timedelta(days=1)

    @property
    def recent_service_start(self) -> date:
        return add_months(self.day, -RECENT_SERVICE_MONTHS)

    def age_threshold(self, age: int) -> date:
        """Persons born after this date have not turned ``age`` on the calculation day."""
        return born_by(self.day, age)


def calc_months(months: list[date]) -> list[CalcMonth]:
    return [CalcMonth(m, calculation_day(m)) for m in months]


@dataclass(frozen=True)
class Sources:
    """Where the current (as known at ``known_at``) facts come from: database tables or Parquet files."""

    status_spells: str = "timeline_statusspell"
    homes: str = "timeline_homemunicipalityspell"
    job_searches: str = "timeline_jobsearchperiod"
    persons: str = "people_person"
    decisions: str | None = "provision_decision"  # None: the snapshot holds no decisions
    assignments: str | None = "casework_caseassignment"  # None: the snapshot holds no caseloads
    # The service catalogue with each offering's area code, its capacity changes, and participations (the current
    # version of the in_service spell a referral's participation wrote). None: the snapshot holds no catalogue.
    offerings: str | None = ("(SELECT o.id, a.code AS area, o.service_type_id, o.capacity, o.available_from, "
                             "o.available_to, o.created_at FROM provision_serviceoffering o "
                             "JOIN reference_employmentarea a ON a.id = o.area_id) AS offering_rows")
    capacities: str | None = "provision_offeringcapacity"
    participations: str | None = ("(SELECT r.offering_id, s.person_id, s.start_date, s.end_date, s.recorded_at, "
                                  "s.superseded_at FROM provision_referral r "
                                  "JOIN timeline_statusspell s ON s.lineage = r.status_spell_lineage) AS participation_rows")
    # The employer services' job offers, competence profiles and employer contacts (with the employer's
    # municipality). None: the snapshot holds none.
    job_offers: str | None = "employer_services_joboffer"
    profiles: str | None = "employer_services_competenceprofile"
    employer_contacts: str | None = ("(SELECT c.contacted_on, c.kind, c.created_at, e.municipality_id "
                                     "FROM employer_services_employercontact c "
                                     "JOIN provision_employer e ON e.id = c.employer_id) AS contact_rows")
    # The clients' anonymous feedback answers with their area's code. None: the snapshot holds none.
    feedback: str | None = ("(SELECT f.month, a.code AS area, f.kind, f.service_type, f.team_id, f.satisfaction, "
                            "f.useful FROM portal_feedbackanswer f "
                            "JOIN reference_employmentarea a ON a.id = f.area_id) AS feedback_rows")
    versioned: bool = True  # database tables keep superseded versions; a Parquet snapshot holds current ones
    persons_have_team: bool = True

    def current(self, table: str, columns: str, known_at: datetime | None, where: str | None = None) -> str:
        return current_sql(table, columns, known_at, versioned=self.versioned, where=where)


def base_ctes(vocabulary: Vocabulary, months: list[CalcMonth], horizon: date, sources: Sources,
              known_at: datetime | None, municipalities: tuple[str, ...] | None = None,
              spells_table: str | None = None, part: Part | None = None) -> str:
    """CTEs shared by the relations: calculation days, flagged status spells with their unemployment runs.

    With ``municipalities`` only persons who ever lived in one of them are read (the result is the same,
    since every relation is placed by the home municipality; it only saves work). ``spells_table`` names
    a table already holding ``spells`` (see ``spells_table_sql``): SQLite cannot index a CTE, and the
    structural-unemployment history joins spells to spells.
    ``spells`` holds only the spells still running at the start of the earliest 16-month window: an earlier
    one cannot count in any month asked, and its run's start is kept in ``run_start`` of the later ones.
    With ``part`` only that part of the persons is read (``polku.derived.parts``: the parts' counts add up).
    """
    d = date_literal
    # Spells ended before the earliest 16-month window cannot count in any month asked (runs are numbered first).
    earliest = min((c.window16_start for c in months), default=horizon)
    calc_rows = ", ".join(
        "(" + ", ".join([d(c.month), d(c.day), d(c.year_before), d(c.window16_start),
                         d(c.recent_service_start)] + [d(c.age_threshold(a)) for a in AGE_BOUNDS]) + ")"
        for c in months
    )
    age_columns = ", ".join(f"y{age}" for age in AGE_BOUNDS)
    team = "team_id" if sources.persons_have_team else "NULL AS team_id"
    of_part = None if part is None else in_part_sql("person_id", part)
    spells = sources.current(sources.status_spells, "person_id, start_date, end_date, status_id, service_type_id",
                             known_at, of_part)
    homes = sources.current(sources.homes, "person_id, start_date, end_date, municipality_id", known_at, of_part)
    searches = sources.current(sources.job_searches, "person_id, registered_on, ended_on, end_reason", known_at,
                               of_part)
    persons = sources.persons + ("" if part is None else f" WHERE {in_part_sql('id', part)}")
    scope = "" if municipalities is None else \
        f" AND person_id IN (SELECT person_id FROM homes WHERE municipality_id IN {in_list(municipalities)})"
    # Fact views read more than once are not materialised on SQLite (it would lose the tables' indexes).
    head = f"""calc(month, d, y1, w16, w3, {age_columns}) AS (VALUES {calc_rows}),
persons AS NOT MATERIALIZED (SELECT id, birth_date, gender, language, {team} FROM {persons}),
homes AS NOT MATERIALIZED ({homes}),
searches AS NOT MATERIALIZED ({searches}),"""
    if spells_table is not None:
        return head + f"\nspells AS NOT MATERIALIZED (SELECT * FROM {spells_table})"
    return head + f"""
{status_runs_ctes(spells, vocabulary, horizon, scope=scope, name="st5")},
spells AS (SELECT * FROM st5 WHERE end_date IS NULL OR end_date >= {d(earliest)})"""


def spells_table_sql(table: str, vocabulary: Vocabulary, months: list[CalcMonth], horizon: date, engine: str,
                     sources: Sources, known_at: datetime | None, municipalities: tuple[str, ...] | None,
                     part: Part | None = None) -> list[str]:
    """Statements that put ``spells`` into a temporary table, so that the stock and events queries share one
    computation of the unemployment runs (on SQLite also indexed, its plan for the history join)."""
    ctes = base_ctes(vocabulary, months, horizon, sources, known_at, municipalities, part=part)
    statements = [f"DROP TABLE IF EXISTS {table}",
                  render(f"CREATE TEMP TABLE {table} AS WITH {ctes} SELECT * FROM spells", engine)]
    if engine != "duckdb":  # DuckDB joins by hashing; an index would only cost time
        statements.append(f"CREATE INDEX {table}_person ON {table} (person_id, start_date)")
    if engine == "postgresql":  # a temporary table has no statistics until analysed
        statements.append(f"ANALYZE {table}")
    return statements


def _age_group(birth: str, calc: str = "c") -> str:
    return AGES.case_sql(birth, calc + ".y{age}")


def stock_ctes(*, structural: bool = True, active_only: bool = False, indexed_spells: bool = False) -> str:
    """``stock`` (after ``base_ctes``).

    Two savings for requests that allow them: without ``structural`` the column is left out, and with it the
    spells-to-spells ``history`` it needs; with ``active_only`` only rows of unemployment or an activation
    service are produced (enough when every measure requires one of them).

    The history (unemployed days of earlier runs within the 16-month window) is the same sum either way, read as
    the engine reads it fastest: with ``indexed_spells`` (``spells`` is a table indexed by person, see
    ``spells_table_sql``: SQLite, PostgreSQL) looked up for each row that needs it; otherwise (DuckDB, which joins by
    hashing) joined once for all such rows and joined back.
    """
    window_end = f"LEAST(COALESCE(h.end_date, {date_literal(date(9999, 12, 31))}), k.d)"
    overlap = f"DATE_DIFF('day', GREATEST(h.start_date, k.w16), {window_end}) + 1"
    active = " WHERE s.u = 1 OR s.a = 1" if active_only else ""
    stock0 = f"""stock0 AS (
  SELECT c.*, s.person_id, s.status_id, s.service_type_id, s.u, s.a, s.run_start, s.after_service, s.prev_run_end,
         s.last_a_end
  FROM calc c JOIN spells s ON s.start_date <= c.d AND (s.end_date IS NULL OR s.end_date >= c.d){active}),"""
    if not structural:
        return stock0 + "\n" + _stock(structural_column="", history_join="")
    # Unemployed days in the 16-month window: the current run's (contiguous up to the calculation day), and when an
    # earlier run ended within the window, its days too, summed over the person's spells. Only such rows need the
    # spells-to-spells join.
    earlier_run = "k.prev_run_end >= k.w16"
    of_person = """spells h ON h.person_id = k.person_id AND h.u = 1 AND h.start_date <= k.d
   AND (h.end_date IS NULL OR h.end_date >= k.w16)"""
    this_run = "DATE_DIFF('day', GREATEST(k.run_start, k.w16), k.d) + 1"
    if indexed_spells:
        history, history_join = "", ""
        u16 = f"CASE WHEN {earlier_run} THEN (SELECT SUM({overlap}) FROM {of_person.replace(' ON ', ' WHERE ', 1)}) " \
              f"ELSE {this_run} END"
    else:
        history = f"""
history AS (
  SELECT k.person_id, k.month, SUM({overlap}) AS u16
  FROM stock0 k JOIN {of_person}
  WHERE k.u = 1 AND k.run_start > k.y1 AND {earlier_run}
  GROUP BY k.person_id, k.month),"""
        history_join = "\n  LEFT JOIN history x ON x.person_id = k.person_id AND x.month = k.month"
        u16 = f"COALESCE(x.u16, {this_run})"
    structural_column = f"""
         CASE WHEN k.u = 1 AND k.run_start <= k.y1 THEN 'long_term'
              WHEN k.u = 1 AND {u16} >= {STRUCTURAL_MIN_DAYS} THEN 'comparable'
              WHEN k.u = 1 AND k.last_a_end >= k.w3 THEN 'from_service'
              WHEN k.a = 1 AND k.after_service = 1 THEN 'service_to_service'
              ELSE '' END AS structural,"""
    return stock0 + history + "\n" + _stock(structural_column, history_join)


def _stock(structural_column: str, history_join: str) -> str:
    return f"""stock AS (
  SELECT k.month, k.person_id, k.status_id AS status, COALESCE(k.service_type_id, '') AS service_type,
         k.u AS unemployed, k.a AS in_activation_service, CASE WHEN k.u = 1 OR k.a = 1 THEN 1 ELSE 0 END
           AS unemployed_or_in_service,
         CASE WHEN k.u = 1 AND k.run_start <= k.y1 THEN 1 ELSE 0 END AS long_term,
         CASE WHEN p.birth_date > k.y25 THEN 1 ELSE 0 END AS under_25,{structural_column}
         {_age_group('p.birth_date', 'k')} AS age_group, p.gender, p.language,
         COALESCE(CAST(p.team_id AS VARCHAR(20)), '') AS team_id, COALESCE(hm.municipality_id, '') AS municipality
  FROM stock0 k JOIN persons p ON p.id = k.person_id{history_join}
  LEFT JOIN homes hm ON hm.person_id = k.person_id AND hm.start_date <= k.d
   AND (hm.end_date IS NULL OR hm.end_date >= k.d))"""


def events_ctes(horizon: date) -> str:
    """``events`` (after ``base_ctes``): unemployment runs begun, job searches ended, services begun."""
    h = date_literal(horizon)
    return f"""runs AS (
  SELECT person_id, run_no, MIN(run_start) AS began, MAX(CASE WHEN end_date IS NULL THEN 1 ELSE 0 END) AS still_open,
         MAX(end_date) AS ended
  FROM spells WHERE u = 1 GROUP BY person_id, run_no),
happened AS (
  SELECT person_id, began AS day, 'unemployment_began' AS kind,
         CASE WHEN still_open = 1 AND DATE_DIFF('day', began, {h}) >= {FLOW_DAYS} THEN 'over_3_months'
              WHEN still_open = 1 THEN 'not_known_yet'
              WHEN DATE_DIFF('day', began, ended) >= {FLOW_DAYS} THEN 'over_3_months'
              ELSE 'within_3_months' END AS detail
  FROM runs
  UNION ALL
  SELECT person_id, ended_on, 'job_search_ended', end_reason FROM searches
  WHERE ended_on IS NOT NULL AND ended_on <= {h}
  UNION ALL
  SELECT person_id, start_date, 'service_started', service_type_id FROM spells
  WHERE status_id = '{status_vocabulary().service_status}' AND service_type_id IS NOT NULL),
events AS (
  SELECT c.month, e.person_id, e.kind, e.detail,
         {_age_group('p.birth_date')} AS age_group, p.gender, p.language,
         COALESCE(CAST(p.team_id AS VARCHAR(20)), '') AS team_id, COALESCE(hm.municipality_id, '') AS municipality
  FROM happened e JOIN calc c ON c.month = CAST(DATE_TRUNC('month', e.day) AS DATE)
  JOIN persons p ON p.id = e.person_id
  LEFT JOIN homes hm ON hm.person_id = e.person_id AND hm.start_date <= e.day
   AND (hm.end_date IS NULL OR hm.end_date >= e.day))"""
