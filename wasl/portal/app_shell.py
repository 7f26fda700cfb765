"""Tawasul as an app on a phone: its web app manifest, and the app shell its service worker
keeps (styles, fonts, icons, the offline notice in Arabic and English).

What the service worker keeps is only what is the same for everyone: never a page of a
person's own (their matters, their applications) and never an answer they send. See
`templates/portal/sw.js` for what it does with a navigation that finds no network."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

THEME_COLOUR = "#0b5d3b"  # --primary of web/css/wasl.css
BACKGROUND_COLOUR = "#f4f6f3"  # --page of web/css/wasl.css
ICONS = (
    ("portal/icons/icon-192.png", 192, "any"),
    ("portal/icons/icon-512.png", 512, "any"),
    ("portal/icons/icon-maskable-512.png", 512, "maskable"),
)
STATIC_SHELL = (
    "web/css/wasl.css",
    "portal/portal.css",
    "eservices/eservices.css",
    "portal/app.js",
    "web/js/wasl.js",
    "web/fonts/NotoSansArabic-Regular.woff2",
    "web/fonts/NotoSansArabic-Bold.woff2",
    "web/fonts/NotoSans-Regular.woff2",
    "web/fonts/NotoSans-Bold.woff2",
    "web/favicon.svg",
    "portal/icons/apple-touch-icon.png",
    *(path for path, _, _ in ICONS),
)


def manifest() -> dict[str, Any]:
    """The web app manifest: Arabic first (the app's language and direction), the portal's
    home as where it starts, its colours from the portal's styles."""
    home = reverse("portal:home")
    with translation.override("ar"):
        return {
            "id": home,
            "name": str(translation.gettext("Tawasul — your matters with the Emirate")),
            "short_name": str(translation.gettext("Tawasul")),
            "description": str(
                translation.gettext(
                    "Follow your matters with the Emirate, apply for its e-services and book "
                    "an audience."
                )
            ),
            "lang": "ar",
            "dir": "rtl",
            "start_url": home,
            "scope": home,
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {
                    "src": static(path),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
                for path, size, purpose in ICONS
            ],
        }


def offline_page(language: str) -> str:
    """The notice shown when a page cannot be reached, in `language`: drawn without a
    request (no session, no form token), as it is kept on the phone for everyone."""
    with translation.override(language):
        return render_to_string("portal/offline.html", {"language": language})


def shell() -> dict[str, Any]:
    """What the service worker keeps, and the version of it: a change of any file (their
    hashed names in production) or of the offline notice makes a new cache."""
    urls = [static(path) for path in STATIC_SHELL]
    offline = {code: reverse("portal:offline", args=[code]) for code, _ in settings.LANGUAGES}
    version = hashlib.sha256(
        "\n".join([*urls, *offline.values(), *(offline_page(code) for code in offline)]).encode()
    ).hexdigest()[:16]
    return {"urls": urls, "offline": offline, "version": version, "scope": reverse("portal:home")}
