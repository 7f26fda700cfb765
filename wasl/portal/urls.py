from django.urls import include, path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="signin"),
    path("signin/callback/", views.callback, name="callback"),
    path("signin/code/", views.code_signin, name="code"),
    path("signout/", views.signout, name="signout"),
    path("matters/", views.matters, name="matters"),
    path("documents/<uuid:did>/", views.document, name="document"),
    path("demo-phone/", views.demo_phone, name="demo_phone"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/<slug:language>/", views.offline, name="offline"),
    path("", include("wasl.portal.eservices.urls")),
    path("", include("wasl.portal.jalsa.urls")),
]
