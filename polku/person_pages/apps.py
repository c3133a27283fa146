from django.apps import AppConfig


class PersonPagesConfig(AppConfig):
    """The person list and the client record: pages that gather every package's panel. Presentation only."""

    name = "polku.person_pages"
    label = "person_pages"
