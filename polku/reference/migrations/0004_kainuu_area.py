"""Re-runs the reference loader: adds the Kainuu employment area (from 2025) shipped in the data file."""

from django.db import migrations


def load(apps, schema_editor):
    from polku.reference.loader import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("reference", "0003_resident_population")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
