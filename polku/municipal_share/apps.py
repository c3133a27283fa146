from django.apps import AppConfig


class MunicipalShareConfig(AppConfig):
    """The municipal share of unemployment benefits (työttömyysetuuksien kuntaosuus): rules, engine, checks."""

    name = "polku.municipal_share"
    label = "municipal_share"
