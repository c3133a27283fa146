from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    """The administrator's pages: confirming rule sets, loading programmes and importing populations without the
    command line (the same services the commands call)."""

    name = "polku.administration"
    label = "administration"
