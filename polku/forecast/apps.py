from django.apps import AppConfig


class ForecastConfig(AppConfig):
    """Forecasts from an area's own history: a duration model of unemployment, stock-flow projections with
    Monte-Carlo bands, scenarios, and backtests against naive baselines."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "polku.forecast"
    verbose_name = "Ennusteet"

    def ready(self) -> None:
        # An area's model is fitted by the worker: it must know the computation too.
        import polku.forecast.area  # noqa: F401
