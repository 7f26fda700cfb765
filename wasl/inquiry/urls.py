"""Pages of the inquiry app (mounted at /inquiry/)."""

from django.urls import path

from . import views

app_name = "inquiry"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.<str:fmt>", views.export, name="export"),
    path("public/", views.public_inquiry, name="public"),
    path("kiosk/", views.kiosk, name="kiosk"),
]
