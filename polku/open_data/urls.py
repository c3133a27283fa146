from django.urls import path

from polku.open_data import views

app_name = "open_data"

urlpatterns = [
    path("", views.index, name="index"),
    path("tila/", views.build_status, name="status"),
    path("tila.json", views.build_progress, name="progress"),
    path("<slug:slug>.csv", views.download, {"fmt": "csv"}, name="csv"),
    path("<slug:slug>.json", views.download, {"fmt": "json-stat2"}, name="jsonstat"),
]
