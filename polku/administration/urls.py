from django.urls import path

from polku.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.index, name="index"),
    path("saannot/vahvista/", views.confirm_rule_set, name="confirm_rule_set"),
    path("ohjelmat/tuo/", views.import_programme, name="import_programme"),
    path("ohjelmat/<slug:code>.json", views.programme_file, name="programme_file"),
    path("vaestotiedot/tuo/", views.import_series, name="import_series"),
]
