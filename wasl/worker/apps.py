from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "wasl.worker"
    label = "worker"
    verbose_name = "الأعمال في الخلفية — Background work"
