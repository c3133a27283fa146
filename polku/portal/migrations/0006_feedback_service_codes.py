"""Feedback invitations and answers name their service type by its code (they named it by its Finnish name before,
which split one service in two in the figures and showed Finnish to Swedish and English readers)."""

from typing import Any

from django.db import migrations


def names_to_codes(apps: Any, schema_editor: Any) -> None:
    service_types = apps.get_model("reference", "ServiceType")
    codes = dict(service_types.objects.values_list("name_fi", "code"))
    for model in ("FeedbackInvitation", "FeedbackAnswer"):
        rows = apps.get_model("portal", model).objects
        for name, code in codes.items():
            rows.filter(service_type=name).update(service_type=code)


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0005_agency_referral_joint_meeting"),
        ("reference", "0005_labour_force"),
    ]

    operations = [migrations.RunPython(names_to_codes, migrations.RunPython.noop)]
