"""The start page's URL. Included by ``polku.urls`` into the ``web`` namespace, so ``web:home`` stays its name."""

from django.urls import path

from polku.start_pages import views

urlpatterns = [
    path("", views.home, name="home"),
]
