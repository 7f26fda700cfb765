"""Mounted at /mail/."""

from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("triage", views.triage, name="triage"),
    path("t/<uuid:tid>/reply", views.reply, name="reply"),
    path("m/<uuid:mid>.eml", views.raw_message, name="raw"),
    path("demo", views.demo, name="demo"),
    path("demo/<int:number>.html", views.demo_html, name="demo_html"),
    path("demo/<int:number>/reply", views.demo_reply, name="demo_reply"),
]
