from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "wasl.exchange"
    label = "exchange"
    verbose_name = "وصل بين الجهات — Exchange"

    def ready(self) -> None:
        from wasl.audit import services as audit
        from wasl.registry import events

        from . import integrity, log, services
        from .models import LogHead

        # In the step's own transaction: the status message is in the outbox exactly when
        # the step is committed, never lost between the two.
        events.subscribe(services.on_registry_event, when="in_transaction")
        # `wasl audit verify` checks every key row against the digest its change recorded.
        audit.register_cross_check(integrity.cross_check)
        audit.register_baseline(integrity.baseline)
        # The message log is sealed with the audit log's key: `wasl audit reseal` re-seals both.
        audit.register_sealed_log(LogHead, log.problems)
