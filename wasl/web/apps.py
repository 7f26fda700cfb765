from pathlib import Path

from django.apps import AppConfig
from django.conf import settings

# The project's i18n catalogues (ar, en) live in wasl/locale.
PROJECT_LOCALE = str(Path(__file__).resolve().parent.parent / "locale")


class WebConfig(AppConfig):
    name = "wasl.web"
    label = "web"
    verbose_name = "الواجهة — Web"

    def ready(self) -> None:
        # Until settings.LOCALE_PATHS names wasl/locale, make sure Django finds it: the pages
        # are translated from there. Does nothing once settings has it.
        paths = [str(p) for p in settings.LOCALE_PATHS]
        if PROJECT_LOCALE not in paths:
            settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, PROJECT_LOCALE]
            # Catalogues loaded while the apps were imported lack it: load them again, as
            # Django itself does when LOCALE_PATHS changes in tests.
            from django.utils.translation import trans_real

            trans_real._translations = {}
            trans_real._default = None
            trans_real.translation_catalog_exists.cache_clear()
