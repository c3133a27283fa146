from django.urls import path

from polku.municipal_share import views

app_name = "municipal_share"

urlpatterns = [
    path("", views.share_page, name="share"),
    path("excel/", views.share_excel, name="share_excel"),
    path("varoitukset/", views.warning_list, name="warnings"),
]
