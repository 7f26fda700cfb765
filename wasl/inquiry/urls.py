"""Pages of the inquiry app."""

from django.urls import path  # noqa: F401

app_name = "inquiry"
urlpatterns: list = []
