"""The derived relations as SQL, written once (DuckDB's SQL; ``sql.render`` gives each engine's).

* :func:`status_runs_ctes`: status spells flagged unemployed / in an activation service, with their continuous
  unemployment run (``run_no``, ``run_start``) and whether a service followed a service (``after_service``): the
  same as ``runs.annotate``.
* :func:`covers`: a dated row (home, job search, membership) in force on a day, the join every "on a date" uses.

Python references: ``runs``, ``membership``, ``ages``; ``tests/derived`` holds them equal on every engine.
"""

from __future__ import annotations

from datetime import date

from polku.derived.sql import date_literal, in_list
from polku.derived.vocabulary import Vocabulary


def covers(alias: str, day: str, start: str = "start_date", end: str = "end_date") -> str:
    """SQL: the row ``alias`` (closed interval, open end NULL) covers ``day``."""
    return f"{alias}.{start} <= {day} AND ({alias}.{end} IS NULL OR {alias}.{end} >= {day})"


def status_runs_ctes(spells: str, vocabulary: Vocabulary, horizon: date, *, scope: str = "",
                     name: str = "runs_flagged") -> str:
    """CTEs ending in ``name``: every spell of ``spells`` (a query of ``person_id, start_date, end_date, status_id,
    service_type_id``; current facts) starting by ``horizon``, an end after it read as open, with columns ``u``
    (unemployed), ``a`` (in an activation service), ``prev_end``, ``new_run``, ``after_service``, ``run_no``,
    ``run_start`` (on unemployed spells: the run's first day), ``prev_run_end`` (on unemployed spells: the last day of
    the person's previous unemployment run, if any) and ``last_a_end`` (the last day of the person's latest activation
    service before the spell). ``scope`` is an extra ``AND …`` on the spells read.

    All but the first come from the pass that numbers the runs, in the person's order of spells: a person's spells do
    not overlap (the timeline refuses it), so the run's first day is the latest start of a run so far, and the earlier
    run's last day is the latest end of a run so far (a run ends where the next spell does not continue it)."""
    h = date_literal(horizon)
    day_before = "CAST(start_date - INTERVAL 1 DAY AS DATE)"
    return f"""st AS (
  SELECT person_id, start_date, CASE WHEN end_date > {h} THEN NULL ELSE end_date END AS end_date, status_id,
         service_type_id,
         CASE WHEN status_id IN {in_list(vocabulary.unemployed_statuses)} THEN 1 ELSE 0 END AS u,
         CASE WHEN status_id = '{vocabulary.service_status}' AND service_type_id IN {in_list(vocabulary.activation_services)}
              THEN 1 ELSE 0 END AS a
  FROM ({spells}) raw WHERE start_date <= {h}{scope}),
st2 AS (
  SELECT st.*, LAG(end_date) OVER (PARTITION BY person_id ORDER BY start_date) AS prev_end,
         LAG(u) OVER (PARTITION BY person_id ORDER BY start_date) AS prev_u,
         LAG(a) OVER (PARTITION BY person_id ORDER BY start_date) AS prev_a
  FROM st),
st3 AS (
  SELECT st2.*,
         CASE WHEN u = 1 AND NOT (COALESCE(prev_u, 0) = 1 AND prev_end = {day_before}) THEN 1 ELSE 0 END AS new_run,
         CASE WHEN a = 1 AND COALESCE(prev_a, 0) = 1 AND prev_end = {day_before} THEN 1 ELSE 0 END AS after_service
  FROM st2),
{name} AS (
  SELECT st3.*, SUM(new_run) OVER so_far AS run_no,
         CASE WHEN u = 1 THEN MAX(CASE WHEN new_run = 1 THEN start_date END) OVER so_far END AS run_start,
         CASE WHEN u = 1 THEN MAX(CASE WHEN prev_u = 1 AND (u = 0 OR new_run = 1) THEN prev_end END) OVER so_far
              END AS prev_run_end,
         MAX(CASE WHEN prev_a = 1 THEN prev_end END) OVER so_far AS last_a_end
  FROM st3 WINDOW so_far AS (PARTITION BY person_id ORDER BY start_date ROWS UNBOUNDED PRECEDING))"""


def age_thresholds(day: date, bounds: tuple[int, ...]) -> list[str]:
    """Literals of ``ages.born_by(day, age)`` for each bound, the values ``AgeScheme.case_sql`` compares with."""
    from polku.derived.ages import born_by

    return [date_literal(born_by(day, age)) for age in bounds]
