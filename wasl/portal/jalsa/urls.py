"""The person's pages of Jalsa, under the portal (`/portal/jalsa/`)."""

from django.urls import path

from . import views

app_name = "jalsa"
urlpatterns = [
    path("jalsa/", views.sessions, name="sessions"),
    path("jalsa/sessions/<uuid:sid>/", views.session, name="session"),
    path("jalsa/bookings/<uuid:bid>/", views.booking, name="booking"),
    path("jalsa/bookings/<uuid:bid>/cancel/", views.cancel, name="cancel"),
]
