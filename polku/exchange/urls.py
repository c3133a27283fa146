from django.urls import path

from polku.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("muoto/", views.format_doc, name="format"),
    path("muoto/esimerkit/<slug:entity>.csv", views.sample_file, name="sample"),
    path("<uuid:run_id>/", views.run_detail, name="run"),
    path("<uuid:run_id>/virheet.csv", views.run_problems_csv, name="problems_csv"),
]
