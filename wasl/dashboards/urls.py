"""Pages of the dashboards app (mounted at /dashboards/)."""

from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("region/", views.region, name="region"),
    path("entity/<str:code>/", views.entity, name="entity"),
    path("unit/<str:public_id>/", views.unit, name="unit"),
    path("person/<str:username>/", views.person, name="person"),
    path("me/", views.me, name="me"),
    path("list/", views.drill_list, name="list"),
    path("control-room/", views.control_room, name="control_room"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("export.pdf", views.export, {"fmt": "pdf"}, name="export_pdf"),
]
