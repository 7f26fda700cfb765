from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "wasl.dashboards"
    label = "dashboards"
    verbose_name = "شاشات التحكم — Dashboards"

    def ready(self) -> None:
        from wasl.registry.events import subscribe

        from .rollups import on_event

        # Inside each step's transaction: the roll-ups never disagree with what committed.
        subscribe(on_event, when="in_transaction")
