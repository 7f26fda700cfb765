from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "wasl.notifications"
    label = "notifications"
    verbose_name = "الإشعارات — Notifications"

    def ready(self) -> None:
        from wasl.registry import events

        from . import outbox

        # In the step's own transaction: the notification is in the outbox exactly when the
        # step is committed, never one without the other.
        events.subscribe(outbox.on_event, when="in_transaction")
