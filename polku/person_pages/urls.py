"""The person pages' URLs. Included by ``polku.urls`` into the ``web`` namespace, where they always were."""

from django.urls import path

from polku.person_pages import search, views

urlpatterns = [
    path("haku/", search.search, name="search"),
    path("henkilot/", views.person_list, name="person_list"),
    path("henkilot/poikkeuksellinen-paasy/", views.break_glass_lookup, name="break_glass_lookup"),
    path("henkilot/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("henkilot/<uuid:person_id>/poikkeuksellinen-paasy/", views.break_glass, name="break_glass"),
]
