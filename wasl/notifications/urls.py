"""Mounted at /notifications/."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("receipts/sms", views.sms_receipt, name="sms_receipt"),
    path("t/<uuid:tid>/contact", views.contact, name="contact"),
    path("demo/sms", views.demo_sms, name="demo_sms"),
    path("administration/<str:code>/templates/", views.admin_templates, name="admin_templates"),
    path(
        "administration/<str:code>/templates/<str:channel>/<str:step>/",
        views.admin_template,
        name="admin_template",
    ),
]
