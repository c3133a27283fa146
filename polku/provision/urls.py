from django.urls import path

from polku.provision import views

app_name = "provision"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("tuottajat/uusi/", views.provider_new, name="provider_new"),
    path("uusi/", views.offering_new, name="offering_new"),
    path("kuntalisa/", views.kuntalisa, name="kuntalisa"),
    path("tyonantajat/", views.employers, name="employers"),
    path("henkilot/<uuid:person_id>/ohjaus/", views.referral_new, name="referral_new"),
    path("henkilot/<uuid:person_id>/paatos/", views.decision_new, name="decision_new"),
    path("ohjaukset/<int:referral_id>/aloitus/", views.participation_start, name="participation_start"),
    path("ohjaukset/<int:referral_id>/paattyminen/", views.participation_end, name="participation_end"),
    path("ohjaukset/<int:referral_id>/peruminen/", views.referral_close, name="referral_close"),
]
