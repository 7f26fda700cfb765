from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from .api import api, unknown_endpoint

admin.site.site_header = "وصل — إدارة المنصة"
admin.site.site_title = "وصل"
admin.site.index_title = "الدليل والعطل الرسمية وسجل التدقيق"

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("admin/", admin.site.urls),
    path("inquiry/", include("wasl.inquiry.urls")),
    path("exchange/", include("wasl.exchange.urls")),
    path("dashboards/", include("wasl.dashboards.urls")),
    path("", include("wasl.web.urls")),
    # Until the staff workspace lands, the first page is the (Arabic, right-to-left) sign-in.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
