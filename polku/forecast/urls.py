from django.urls import path

from polku.forecast import impact_views, views

app_name = "forecast"

urlpatterns = [
    path("", views.forecast_page, name="forecast"),
    path("excel/", views.forecast_excel, name="forecast_excel"),
    path("sovita/", views.forecast_refit, name="forecast_refit"),
    path("vaikutukset/", impact_views.impact_page, name="impact"),
    path("oletukset/", impact_views.assumptions_page, name="assumptions"),
]
