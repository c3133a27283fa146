"""Database-level overlap guards (see ``polku.timeline.db_guards``)."""

from django.db import migrations

from polku.timeline.db_guards import install, uninstall


class Migration(migrations.Migration):
    dependencies = [("timeline", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
