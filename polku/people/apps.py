from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Job seekers as persons: identity (keyed hash of the identity code) and background."""

    name = "polku.people"
    label = "people"
