from django.contrib.auth import views as auth_views
from django.urls import path

from polku.access.views import StaffLoginView
from polku.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("kirjaudu/", StaffLoginView.as_view(), name="login"),
    path("kirjaudu-ulos/", auth_views.LogoutView.as_view(), name="logout"),
    path("henkilot/", views.person_list, name="person_list"),
    path("henkilot/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("tietosuoja/lokit/", views.access_log, name="access_log"),
]
