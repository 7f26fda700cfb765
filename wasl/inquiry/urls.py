"""Pages of the inquiry app (mounted at /inquiry/)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "inquiry"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.<str:fmt>", views.export, name="export"),
    path("public/", views.public_inquiry, name="public"),
    # The kiosk stands at /kiosk/ (wasl/urls.py); its first address still leads there.
    path("kiosk/", RedirectView.as_view(pattern_name="kiosk", query_string=True)),
]
