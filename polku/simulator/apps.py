from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Synthetic population simulator: realistic job-seeker timelines for demos, tests and scale."""

    name = "polku.simulator"
    label = "simulator"
