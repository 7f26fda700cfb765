from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wasl.web"
    label = "web"
    verbose_name = "الواجهة — Web"
