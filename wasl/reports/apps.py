from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wasl.reports"
    label = "reports"
    verbose_name = "بلاغات 940 — Balagh 940 municipal reports"

    def ready(self) -> None:
        from wasl.registry import events, followers

        from .services import outcome_for_reporters, refuse_close_without_proof

        events.subscribe(refuse_close_without_proof)
        # Everyone who reported a report is told of its outcome (the notifications app asks).
        followers.provide(outcome_for_reporters)
