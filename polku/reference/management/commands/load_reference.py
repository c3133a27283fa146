"""``polku load_reference``: re-read the shipped reference files after editing them (e.g. an area's municipalities)."""

from typing import Any

from django.core.management.base import BaseCommand

from polku.reference.loader import load_reference_data


class Command(BaseCommand):
    help = "Upsert municipalities, employment areas, statuses and service types from polku/reference/data."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_data()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
