from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wasl.inspections"
    label = "inspections"
    verbose_name = "الرقابة الميدانية — Field inspection"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from wasl.reports.models import Report

        from .services import visit_for_new_report

        # A report of a category that a checklist serves opens a reactive visit in the same
        # database transaction as the report (post_save runs inside `submit_report`'s block).
        post_save.connect(visit_for_new_report, sender=Report, dispatch_uid="inspections-report")
