"""Loads the shipped reference files (municipalities, areas, statuses, service types)."""

from django.db import migrations


def load(apps, schema_editor):
    from polku.reference.loader import load_reference_data

    load_reference_data(apps)


def unload(apps, schema_editor):
    for name in ["EmploymentAreaMembership", "EmploymentArea", "ServiceType", "LabourMarketStatus", "Municipality"]:
        apps.get_model("reference", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
