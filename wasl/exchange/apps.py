from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "wasl.exchange"
    label = "exchange"
    verbose_name = "وصل بين الجهات — Exchange"

    def ready(self) -> None:
        from wasl.registry import events

        from . import services

        # In the step's own transaction: the status message is in the outbox exactly when
        # the step is committed, never lost between the two.
        events.subscribe(services.on_registry_event, when="in_transaction")
