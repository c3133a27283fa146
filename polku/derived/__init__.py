"""Derived facts: what every engine reads of the timeline, defined once.

The layer between the facts (``timeline``, ``people``, ``reference``) and the engines (case work, provision, the
municipal share, public statistics, KPIs, forecasts): which statuses count as unemployed (``vocabulary``, from
reference data), the current facts (``facts``), continuous unemployment runs (``runs``), where a person lives and
which municipalities form an area on a date (``membership``), the named age-group schemes (``ages``) and the
calculation days (``calendar``). Each has a readable Python reference and, where engines compute it in SQL, one SQL
text (``relations``) that ``sql.render`` transpiles to SQLite, PostgreSQL and DuckDB; agreement tests hold all four
equal on random histories. It imports no access policy and no page code.
"""
