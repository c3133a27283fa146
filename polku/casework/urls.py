from django.urls import path

from polku.casework import views

app_name = "casework"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("asiakasmaarat/", views.caseload, name="caseload"),
    path("asiakasmaarat/siirrot/<int:transfer_id>/peru/", views.caseload_transfer_undo, name="caseload_transfer_undo"),
    path("henkilot/<uuid:person_id>/tapaaminen/", views.meeting_new, name="meeting_new"),
    path("henkilot/<uuid:person_id>/suunnitelma/", views.plan_edit, name="plan_edit"),
    path("henkilot/<uuid:person_id>/hakuilmoitus/", views.report_new, name="report_new"),
    path("henkilot/<uuid:person_id>/tyonhaun-paattaminen/", views.job_search_end, name="job_search_end"),
    path("henkilot/<uuid:person_id>/vastuuohjaaja/", views.reassign, name="reassign"),
    path("henkilot/<uuid:person_id>/siirto/", views.handover, name="handover"),
]
