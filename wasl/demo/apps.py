from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wasl.demo"
    label = "demo"
    verbose_name = "المنطقة التجريبية — Demo region"
