from django.urls import path

from polku.forecast import views

app_name = "forecast"

urlpatterns = [path("", views.forecast_page, name="forecast")]
