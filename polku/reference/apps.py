from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    """Reference data: municipalities, employment areas, status and service catalogues."""

    name = "polku.reference"
    label = "reference"
