"""Pages of the staff workspace. `/` is the sign-in page for strangers and the inbox for
signed-in staff."""

from django.urls import path

from .views import administration as admin
from .views import exchange, files, inbox, register, signin, steps, transaction, verify

app_name = "web"
urlpatterns = [
    path("", signin.home, name="home"),
    path("signin/", signin.SignInView.as_view(), name="signin"),
    path("signout/", signin.SignOutView.as_view(), name="signout"),
    path("unit/", signin.unit_choice, name="choose_unit"),
    path("language/", signin.switch_language, name="set_language"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("register/", register.register, name="register"),
    path("t/<uuid:tid>/", transaction.transaction_page, name="transaction"),
    path("t/<uuid:tid>/receipt.pdf", files.receipt, name="receipt"),
    path("verify/<str:code>/", verify.verify_receipt, name="verify_receipt"),
    path("t/<uuid:tid>/<slug:step>/", steps.transaction_step, name="transaction_step"),
    path("r/<uuid:rid>/<slug:step>/", steps.referral_step, name="referral_step"),
    path("letters/", exchange.letters_sent, name="letters"),
    path("letters/send/", exchange.send_letter, name="send_letter"),
    path("x/<uuid:mid>/receipt/", exchange.receipt, name="exchange_receipt"),
    path("x/<uuid:mid>/proof.json", exchange.proof, name="exchange_proof"),
    path("x/<uuid:mid>/<slug:step>/", exchange.delivery_step, name="delivery_step"),
    path("a/<uuid:aid>/", files.attachment_preview, name="attachment"),
    path("a/<uuid:aid>/download/", files.attachment_download, name="attachment_download"),
    # The entity administrator's pages (إدارة الجهة)
    path("administration/", admin.home, name="administration"),
    path("administration/<str:code>/", admin.people, name="admin_people"),
    path("administration/<str:code>/people/new/", admin.invite, name="admin_invite"),
    path("administration/<str:code>/people/<str:username>/", admin.person, name="admin_person"),
    path(
        "administration/<str:code>/people/<str:username>/<slug:act>/",
        admin.account,
        name="admin_account",
    ),
    path("administration/<str:code>/units/", admin.units, name="admin_units"),
    path("administration/<str:code>/units/<uuid:uid>/", admin.unit, name="admin_unit"),
    path("administration/<str:code>/calendar/", admin.working_days, name="admin_calendar"),
    path(
        "administration/<str:code>/calendar/<str:day>/remove/",
        admin.remove_holiday,
        name="admin_remove_holiday",
    ),
    path("administration/<str:code>/due-times/", admin.due_times, name="admin_due_times"),
    path("administration/<str:code>/keys/", admin.keys, name="admin_keys"),
    path("password/<uidb64>/<token>/", admin.set_password, name="set_password"),
]
