"""Pages of the staff workspace. `/` is the sign-in page for strangers and the inbox for
signed-in staff."""

from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signout/", views.SignOutView.as_view(), name="signout"),
    path("unit/", views.unit_choice, name="choose_unit"),
    path("language/", views.switch_language, name="set_language"),
    path("inbox/", views.inbox, name="inbox"),
    path("register/", views.register, name="register"),
    path("t/<uuid:tid>/", views.transaction_page, name="transaction"),
    path("t/<uuid:tid>/receipt.pdf", views.receipt, name="receipt"),
    path("t/<uuid:tid>/<slug:step>/", views.transaction_step, name="transaction_step"),
    path("r/<uuid:rid>/<slug:step>/", views.referral_step, name="referral_step"),
    path("a/<uuid:aid>/", views.attachment_preview, name="attachment"),
    path("a/<uuid:aid>/download/", views.attachment_download, name="attachment_download"),
]
