"""Balagh 940's pages (mounted at /reports/): the call centre, the public version of a report
with its photos, the reporter's answer and "I have the same problem", closing with proof,
merging duplicates, the maps."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("call-centre/", views.choose_category, name="call_centre"),
    path("call-centre/<slug:code>/", views.take_call, name="take_call"),
    path("taken/<str:reference>/", views.taken, name="taken"),
    path("new/", views.portal_choose, name="new"),
    path("new/<slug:code>/", views.portal_report, name="new_report"),
    path("photo/<uuid:public_id>/", views.photo, name="photo"),
    path("p/<str:reference>/", views.public_page, name="public"),
    path("p/<str:reference>/follow/", views.follow, name="follow"),
    path("p/<str:reference>/<slug:act>/", views.reporter_act, name="reporter_act"),
    path("merge/<str:reference>/", views.merge, name="merge"),
    path("close/<str:reference>/", views.close, name="close"),
    path("map/", views.public_map, name="map"),
    path("staff/map/", views.staff_map, name="staff_map"),
]
