from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "wasl.mail"
    label = "mail"
    verbose_name = "البريد الوارد — E-mail in"
