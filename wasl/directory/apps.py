from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "wasl.directory"
    label = "directory"
    verbose_name = "الدليل — Directory"
