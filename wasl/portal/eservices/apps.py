from django.apps import AppConfig


class EservicesConfig(AppConfig):
    """الخدمات الإلكترونية — the e-services of the Tawasul portal, defined as data."""

    name = "wasl.portal.eservices"
    label = "eservices"
    verbose_name = "الخدمات الإلكترونية"
