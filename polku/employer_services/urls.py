from django.urls import path

from polku.employer_services import views

app_name = "employer_services"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("tyonantajat/", views.employers, name="employers"),
    path("tyonantajat/<int:employer_id>/", views.employer, name="employer"),
    path("tyopaikat/", views.vacancies, name="vacancies"),
    path("tyopaikat/uusi/", views.vacancy_new, name="vacancy_new"),
    path("tyopaikat/tuonti/", views.vacancy_import, name="vacancy_import"),
    path("tyopaikat/tuonti/pohja.csv", views.vacancy_import_template, name="vacancy_import_template"),
    path("tyopaikat/<int:vacancy_id>/", views.vacancy, name="vacancy"),
    path("tyopaikat/<int:vacancy_id>/muokkaa/", views.vacancy_edit, name="vacancy_edit"),
    path("tyopaikat/<int:vacancy_id>/tarjous/", views.offer_new, name="offer_new"),
    path("tyopaikat/<int:vacancy_id>/palaute/", views.feedback, name="feedback"),
    path("tarjoukset/<int:offer_id>/", views.offer, name="offer"),
    path("osaamisprofiilit/<uuid:person_id>/", views.profile, name="profile"),
    path("osaamisprofiilit/<uuid:person_id>/vienti.json", views.profile_export, name="profile_export"),
    path("luvut/", views.figures, name="figures"),
]
