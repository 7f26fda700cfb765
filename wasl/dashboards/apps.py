from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "wasl.dashboards"
    label = "dashboards"
    verbose_name = "شاشات التحكم — Dashboards"
