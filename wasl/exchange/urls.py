"""The node-to-node endpoints of Wasl, mounted at /exchange/ (see docs/exchange.md)."""

from django.urls import path, re_path

from . import views

app_name = "exchange"
urlpatterns = [
    path("v1/envelopes", views.envelopes, name="envelopes"),
    path("v1/batch", views.batch, name="batch"),
    path("v1/receipts", views.receipts, name="receipts"),
    re_path(r"^v1/attachments/(?P<sha256>[0-9a-f]{64})$", views.attachment, name="attachment"),
    path("v1/members", views.directory, name="members"),
    path("v1/health", views.health, name="health"),
    re_path(r"^v1/(?P<rest>.*)$", views.unknown),
]
