from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "wasl.registry"
    label = "registry"
    verbose_name = "سجل المعاملات — Registry"
