"""Field inspection's pages (mounted at /inspections/): the inspector's assignments, a visit
with its checklist, the supervisor's reassignment, an inspection's photos."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.assignments, name="assignments"),
    path("visit/<uuid:public_id>/", views.visit, name="visit"),
    path("visit/<uuid:public_id>/reassign/", views.reassign, name="reassign"),
    path("photo/<uuid:public_id>/", views.photo, name="photo"),
]
