"""The database itself refuses to rewrite a published report or document (an UPDATE from a bulk update, a console or
another program). Deleting stays possible only for the test database's flush; the model refuses it."""

from typing import Any

from django.db import migrations

TABLES = ("reports_monthlyreport", "reports_reportdocument")


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION reports_refuse_update() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'published report: never changed'; END; $$ LANGUAGE plpgsql")
        for table in TABLES:
            schema_editor.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                                  f"FOR EACH ROW EXECUTE FUNCTION reports_refuse_update()")
    else:
        for table in TABLES:
            schema_editor.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                                  f"BEGIN SELECT RAISE(ABORT, 'published report: never changed'); END")


def drop(apps: Any, schema_editor: Any) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS reports_refuse_update()")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
