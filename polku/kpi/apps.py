from django.apps import AppConfig


class KpiConfig(AppConfig):
    """Indicators (KPIs) by published definitions, and municipal employment programmes measured by them."""

    name = "polku.kpi"
    label = "kpi"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A programme's yearly figures and an indicator page's figures are computed by the worker: it must know the
        # computations too.
        import polku.kpi.indicator_figures
        import polku.kpi.programme_figures  # noqa: F401
