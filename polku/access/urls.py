from django.urls import path

from polku.access import views

app_name = "access"

urlpatterns = [
    path("koodi/", views.second_factor, name="second_factor"),
    path("kayttoonotto/", views.second_factor_setup, name="second_factor_setup"),
    path("kayttoonotto/qr.svg", views.second_factor_qr, name="second_factor_qr"),
]
