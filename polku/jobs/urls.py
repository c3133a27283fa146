from django.urls import path

from polku.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:task_id>/tila/", views.job_status, name="status"),
]
