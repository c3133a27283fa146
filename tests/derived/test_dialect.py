"""The dialect layer's materialisation hint: SQLite keeps it on every CTE, PostgreSQL only on a whole table."""

from __future__ import annotations

from polku.derived.sql import render

SQL = ("WITH spells AS NOT MATERIALIZED (SELECT * FROM pg_temp.kpi_spells), "
       "homes AS NOT MATERIALIZED (SELECT person_id, municipality_id FROM timeline_homemunicipalityspell "
       "WHERE superseded_at IS NULL), "
       "current AS NOT MATERIALIZED (SELECT * FROM timeline_statusspell WHERE superseded_at IS NULL) "
       "SELECT * FROM spells a JOIN spells b ON a.person_id = b.person_id JOIN homes h ON h.person_id = a.person_id "
       "JOIN current c ON c.person_id = a.person_id")


def test_postgresql_inlines_a_computed_table_read_twice() -> None:
    """A CTE that is a whole (analysed) table stays inlined on PostgreSQL, so its statistics are read; a fact view
    with a condition is left to PostgreSQL's own choice."""
    sql = render(SQL, "postgresql")
    assert "spells AS NOT MATERIALIZED (SELECT * FROM pg_temp.kpi_spells)" in sql
    assert "homes AS (SELECT" in sql
    assert "current AS (SELECT" in sql


def test_sqlite_keeps_every_hint_and_duckdb_none() -> None:
    assert render(SQL, "sqlite").count("NOT MATERIALIZED") == 3
    assert "MATERIALIZED" not in render(SQL, "duckdb")
