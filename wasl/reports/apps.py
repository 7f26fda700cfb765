from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wasl.reports"
    label = "reports"
    verbose_name = "بلاغات 940 — Balagh 940 municipal reports"
