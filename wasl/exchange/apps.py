from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "wasl.exchange"
    label = "exchange"
    verbose_name = "وصل بين الجهات — Exchange"
