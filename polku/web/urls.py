from django.contrib.auth import views as auth_views
from django.urls import path

from polku.access.views import StaffLoginView
from polku.web import views

# Included by ``polku.urls`` into the ``web`` namespace together with the start page (``polku.start_pages``, "home")
# and the person pages (``polku.person_pages``).
urlpatterns = [
    path("kirjaudu/", StaffLoginView.as_view(), name="login"),
    path("kirjaudu-ulos/", auth_views.LogoutView.as_view(), name="logout"),
    path("tietosuoja/lokit/", views.access_log, name="access_log"),
]
