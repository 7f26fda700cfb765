"""Pages of the web app."""

from django.urls import path  # noqa: F401

app_name = "web"
urlpatterns: list = []
