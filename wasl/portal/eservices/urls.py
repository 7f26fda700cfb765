from django.urls import path

from . import views

app_name = "eservices"
urlpatterns = [
    path("services/", views.catalogue, name="catalogue"),
    path("services/<slug:code>/", views.service, name="service"),
    path("services/<slug:code>/start/", views.start, name="start"),
    path("applications/<uuid:aid>/step/<int:step>/", views.step, name="step"),
    path("applications/<uuid:aid>/review/", views.review_page, name="review"),
    path("applications/<uuid:aid>/", views.submitted, name="submitted"),
    path("applications/<uuid:aid>/receipt.pdf", views.receipt, name="receipt"),
]
