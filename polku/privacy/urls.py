from django.urls import path

from polku.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("rekisteroity/<uuid:person_id>/", views.subject_access, name="subject_access"),
    path("rekisteroity/<uuid:person_id>/tiedot.json", views.subject_access_json, name="subject_access_json"),
    path("sailytysajat/", views.retention, name="retention"),
    path("sailytysajat/ajot/<int:run_id>/", views.retention_run, name="retention_run"),
    path("poikkeukselliset-paasyt/", views.break_glass_accesses, name="break_glass"),
    path("seloste/", views.processing_record, name="processing_record"),
    path("seloste/seloste.json", views.processing_record_json, name="processing_record_json"),
]
