from django.apps import AppConfig


class PortalConfig(AppConfig):
    """تواصل — the citizen's and resident's own account."""

    name = "wasl.portal"
    label = "portal"
    verbose_name = "بوابة تواصل"
