from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "wasl.audit"
    label = "audit"
    verbose_name = "سجل التدقيق — Audit log"
