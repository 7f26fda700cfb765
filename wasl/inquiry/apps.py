from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "wasl.inquiry"
    label = "inquiry"
    verbose_name = "الاستعلام الموحد — Unified inquiry"

    def ready(self) -> None:
        from wasl.registry import events

        from .indexer import on_published

        # Inside the step's database transaction: a transaction is searchable when (and only
        # when) the step that registered it commits.
        events.subscribe(on_published, when="in_transaction")
