from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wasl.reports"
    label = "reports"
    verbose_name = "بلاغات 940 — Balagh 940 municipal reports"

    def ready(self) -> None:
        from wasl.registry import events

        from .services import refuse_close_without_proof

        events.subscribe(refuse_close_without_proof)
