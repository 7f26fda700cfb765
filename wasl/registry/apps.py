from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "wasl.registry"
    label = "registry"
    verbose_name = "سجل المعاملات — Registry"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import attachments

        # Files stored by a request that failed are deleted when it ends.
        request_started.connect(attachments.start_request, dispatch_uid="wasl.attachments")
        request_finished.connect(attachments.sweep_request_files, dispatch_uid="wasl.attachments")
