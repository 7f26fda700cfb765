from django.contrib import admin
from django.http import HttpRequest, HttpResponseBase
from django.urls import include, path, re_path

from wasl.inquiry import views as inquiry_views
from wasl.web.signin import AdminSignInForm, set_device_cookie

from .api import api, unknown_endpoint

admin.site.site_header = "وصل — إدارة المنصة"
admin.site.site_title = "وصل"
admin.site.index_title = "الدليل والعطل الرسمية وسجل التدقيق"
# The admin's sign-in: the same lock-out per account and audit as the staff pages.
admin.site.login_form = AdminSignInForm


def admin_sign_in(request: HttpRequest) -> HttpResponseBase:
    """The admin's sign-in view, which also leaves the device cookie of a success."""
    return set_device_cookie(request, admin.site.login(request))


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("admin/login/", admin_sign_in),
    path("admin/", admin.site.urls),
    path("inquiry/", include("wasl.inquiry.urls")),
    path("portal/", include("wasl.portal.urls")),
    path("exchange/", include("wasl.exchange.urls")),
    path("dashboards/", include("wasl.dashboards.urls")),
    path("notifications/", include("wasl.notifications.urls")),
    path("mail/", include("wasl.mail.urls")),
    path("open311/v2/", include("wasl.reports.open311_urls")),
    path("reports/", include("wasl.reports.urls")),
    path("office/jalsa/", include("wasl.portal.jalsa.office_urls")),
    path("inspections/", include("wasl.inspections.urls")),
    # The kiosk of the public inquiry stands at its own short address (issue: `/kiosk/`).
    path("kiosk/", inquiry_views.kiosk, name="kiosk"),
    path("", include("wasl.web.urls")),
]
