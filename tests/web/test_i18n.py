"""Arabic first, English second: the catalogues are complete and compiled, every string of
the pages is translated, and the language follows the browser, then the person's choice."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import translation

from tests.web.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "wasl" / "locale"
WEB = ROOT / "wasl" / "web"
# Strings that read the same in Arabic.
SAME_IN_ARABIC = {"05XXXXXXXX"}


def po_entries(path: Path) -> list[dict[str, Any]]:
    """The entries of a .po file: msgctxt, msgid, msgstr (all forms) and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, Any] = {"flags": "", "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
                continue
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                value = match.group(2)
                if key.startswith("msgstr"):
                    entry["msgstr"].append(value)
                else:
                    entry[key] = value
            elif line.startswith('"') and key:
                value = line[1:-1]
                if key.startswith("msgstr"):
                    entry["msgstr"][-1] += value
                else:
                    entry[key] += value
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_every_arabic_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = po_entries(LOCALE / "ar" / "LC_MESSAGES" / "django.po")
    header, messages = entries[0], entries[1:]
    assert "nplurals=6" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    assert len(messages) > 150
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"]) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    plurals = [e for e in messages if "msgid_plural" in e]
    assert plurals and all(len(e["msgstr"]) == 6 for e in plurals)


def test_the_committed_catalogues_are_compiled_from_the_po_files(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: apt-get install gettext"
    for lang in ("ar", "en"):
        po = LOCALE / lang / "LC_MESSAGES" / "django.po"
        fresh = tmp_path / f"{lang}.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)  # noqa: S603
        with fresh.open("rb") as a, (po.with_suffix(".mo")).open("rb") as b:
            assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (  # type: ignore[attr-defined]
                f"run: cd wasl && ../.venv/bin/wasl compilemessages ({lang})"
            )


def strings_of_the_pages() -> set[tuple[str | None, str]]:
    """Every literal string the staff pages translate: templates and wasl/web's code."""
    found: set[tuple[str | None, str]] = set()
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(
            r'{%\s*translate\s+(["\'])(.+?)\1(?:\s+context\s+(["\'])(.+?)\3)?', text
        ):
            found.add((match.group(4), match.group(2)))
    for module in WEB.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        for match in re.finditer(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)', text):
            found.add((None, match.group(1)))
        for match in re.finditer(r'pgettext_lazy\(\s*"([^"]+)",\s*"([^"]+)"\s*\)', text):
            found.add((match.group(1), match.group(2)))
    return found


def test_every_string_of_the_pages_has_an_arabic_translation() -> None:
    strings = strings_of_the_pages()
    assert len(strings) > 150
    missing = []
    with translation.override("ar"):
        for context, text in sorted(strings, key=lambda s: (s[0] or "", s[1])):
            shown = translation.pgettext(context, text) if context else translation.gettext(text)
            if shown == text and text not in SAME_IN_ARABIC:
                missing.append((context, text))
    assert missing == []


def test_a_first_visit_follows_the_browsers_language(client: Client, cast: Any) -> None:
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert "Sign in to Wasl" in english.content.decode()
    arabic = Client().get("/", HTTP_ACCEPT_LANGUAGE="ar-SA,ar;q=0.9")
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    unknown = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert '<html lang="ar" dir="rtl">' in unknown.content.decode()


def test_the_english_switch_is_remembered_over_the_browsers_language(cast: Any) -> None:
    client = signed_in(cast.clerk)
    switched = client.post("/language/", {"language": "en", "next": "/register/"})
    assert switched.status_code == 302 and switched.url == "/register/"
    page = client.get("/register/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Register a transaction" in page and "National ID or iqama number" in page
    assert "سجّل" not in page


def test_english_pages_show_english_names_and_messages(cast: Any) -> None:
    client = signed_in(cast.clerk)
    client.post("/language/", {"language": "en"})
    html = client.get("/").content.decode()
    assert "Administrative Communications" in html
    refused = client.post("/unit/", {"unit": "nope"})
    assert "Choose one of your units." in refused.content.decode()


def test_the_language_cookie_outlives_the_browsers_session(cast: Any) -> None:
    response = signed_in(cast.clerk).post("/language/", {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 180 * 24 * 60 * 60
    # A GET changes nothing (as Django's set_language) and sets no cookie.
    got = Client().get("/language/?language=en&next=/")
    assert got.status_code == 302 and "django_language" not in got.cookies
