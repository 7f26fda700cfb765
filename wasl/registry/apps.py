from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "wasl.registry"
    label = "registry"
    verbose_name = "سجل المعاملات — Registry"

    def ready(self) -> None:
        from wasl.audit import services as audit

        from . import integrity

        # `wasl audit verify` checks every registry row against the digest its step recorded.
        audit.register_cross_check(integrity.cross_check)
        audit.register_baseline(integrity.baseline)
