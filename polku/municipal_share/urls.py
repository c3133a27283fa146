from django.urls import path

from polku.municipal_share import views

app_name = "municipal_share"

urlpatterns = [
    path("", views.share_page, name="share"),
    path("excel/", views.share_excel, name="share_excel"),
    path("varoitukset/", views.warning_list, name="warnings"),
    path("kelan-laskut/", views.invoice_page, name="invoices"),
    path("kelan-laskut/<int:invoice_id>/", views.invoice_detail, name="invoice"),
]
