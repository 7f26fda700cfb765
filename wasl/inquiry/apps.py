from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "wasl.inquiry"
    label = "inquiry"
    verbose_name = "الاستعلام الموحد — Unified inquiry"
