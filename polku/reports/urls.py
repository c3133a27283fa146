from django.urls import path

from polku.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("julkaise/", views.publish_on_demand, name="publish"),
    path("tilaus/", views.subscription, name="subscription"),
    path("<str:scope>/<str:month>/", views.report_page, name="report"),
    path("<str:scope>/<str:month>/raportti-<str:language>.<str:kind>", views.report_document, name="document"),
]
