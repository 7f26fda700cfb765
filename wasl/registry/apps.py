from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "wasl.registry"
    label = "registry"
    verbose_name = "سجل المعاملات — Registry"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from wasl.audit import services as audit

        from . import attachments, integrity

        # Files stored by a request that failed are deleted when it ends.
        request_started.connect(attachments.start_request, dispatch_uid="wasl.attachments")
        request_finished.connect(attachments.sweep_request_files, dispatch_uid="wasl.attachments")
        # `wasl audit verify` checks every registry row against the digest its step recorded.
        audit.register_cross_check(integrity.cross_check)
        audit.register_baseline(integrity.baseline)
