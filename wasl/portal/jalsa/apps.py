from django.apps import AppConfig


class JalsaConfig(AppConfig):
    """جلسة — audiences with officials: sessions published by their offices, booked by people."""

    name = "wasl.portal.jalsa"
    label = "jalsa"
    verbose_name = "جلسة — مقابلات المسؤولين"
