from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "wasl.server"
    label = "wasl_server"
    verbose_name = "الخادم — Server"
