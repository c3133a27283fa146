from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Facts as timelines: home municipality, status spells, job-search periods, benefit days."""

    name = "polku.timeline"
    label = "timeline"
