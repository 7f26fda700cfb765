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
    path("", include("wasl.portal.eservices.urls")),
]
