"""The 940 call centre's pages (mounted at /reports/)."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("call-centre/", views.choose_category, name="call_centre"),
    path("call-centre/<slug:code>/", views.take_call, name="take_call"),
    path("taken/<str:reference>/", views.taken, name="taken"),
]
