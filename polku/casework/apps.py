from typing import Any

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Counsellors' case work: the statutory client process, due items, worklists and the client record."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "polku.casework"
    verbose_name = "Asiakastyö"

    def ready(self) -> None:
        from polku.access import policy
        from polku.casework.models import CaseAssignment

        def own_clients(user: Any) -> Any:
            return CaseAssignment.objects.filter(counsellor=user, ended_at__isnull=True).values("person_id")

        policy.register_own_clients(own_clients)

        from polku.casework import due_table
        from polku.core.signals import person_facts_written

        person_facts_written.connect(due_table.facts_changed, dispatch_uid="casework-due-items")
