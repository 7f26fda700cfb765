"""The office's pages of Jalsa, on the staff side (`/office/jalsa/`)."""

from django.urls import path

from . import office_views

app_name = "jalsa_office"
urlpatterns = [
    path("", office_views.day, name="day"),
    path("publish/", office_views.publish, name="publish"),
    path("bookings/<uuid:bid>/", office_views.record, name="record"),
]
