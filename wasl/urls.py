from django.contrib import admin
from django.urls import path, re_path

from .api import api, unknown_endpoint

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("admin/", admin.site.urls),
]
