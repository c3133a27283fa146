from django.urls import path

from polku.kpi import views

app_name = "kpi"

urlpatterns = [
    path("", views.programme_page, name="programme"),
    path("vertailu/", views.yardstick_page, name="yardstick"),
    path("valtion-arviointi/", views.state_assessment_page, name="state_assessment"),
    path("<slug:code>/", views.indicator_page, name="indicator"),
]
