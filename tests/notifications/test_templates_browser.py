"""The templates pages in Chromium: the SMS count shown as the administrator types is the one
sms.py computes for the same text (Arabic, Latin, the 7-bit extension, characters outside
the BMP, across part boundaries), and both pages pass axe-core and fit 360 px, in Arabic and
in English, also with an error shown."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_axe import choose_language, open_in, sign_in, too_wide, violations
from wasl.notifications import queries, sms

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/notifications/administration/EMK/templates/"
EDIT = "/notifications/administration/EMK/templates/sms/answered/"
ENCODING = {"gsm7": "GSM-7", "ucs2": "UCS-2"}

# (textarea language, text typed): each is typed into an empty box.
TYPED = [
    ("en", "Wasl: your matter {reference} is ready."),
    ("en", "Brackets [x] and euro € and {reference}"),
    ("en", "An emoji 📨 makes it UCS-2 {reference}"),
    ("ar", "وصل: صدرت الإفادة على معاملتكم {reference} لدى {entity}."),
    ("ar", "Latin text in the Arabic box is UCS-2"),
    ("en", "é" * 150 + "{entity}"),
    ("en", "x" * 152 + "€" + "y" * 20),
    ("ar", "م" * 66 + "📨" + "ن" * 10),
    ("en", "two\nlines"),
]


def shown(page: Any, language: str) -> dict[str, str]:
    output = page.locator(f"#id_body_{language}_count")
    return {
        "encoding": output.get_attribute("data-encoding") or "",
        "units": output.get_attribute("data-units") or "",
        "parts": output.get_attribute("data-parts") or "",
        "text": output.inner_text(),
    }


def test_the_count_shown_as_one_types_is_the_count_of_sms_py(
    chromium: Any, live_server: Any, cast: Any
) -> None:
    context, page = open_in(chromium, live_server, "en")
    try:
        choose_language(page, "en")
        sign_in(page, "admin")
        page.goto(EDIT)
        for language, text in TYPED:
            box = page.locator(f"#id_body_{language}")
            box.fill("")
            if len(text) < 60:
                box.press_sequentially(text)  # key by key, as a person types
            else:
                box.fill(text)
            expected = sms.count(queries.preview(cast.emk, text, language, "answered"), language)
            found = shown(page, language)
            assert found["encoding"] == expected.encoding, (language, text, found)
            assert found["units"] == str(expected.units), (language, text, found)
            assert found["parts"] == str(expected.parts), (language, text, found)
            words = found["text"]
            assert ENCODING[expected.encoding] in words and f"{expected.units} characters" in words
            assert f"{expected.parts} of at most" in words
        # The text that asks for a document is counted with a sample of what is asked.
        page.goto("/notifications/administration/EMK/templates/sms/document_needed/")
        for language in ("ar", "en"):
            text = "{entity}: {reference} — {document}"
            page.locator(f"#id_body_{language}").fill(text)
            rendered = queries.preview(cast.emk, text, language, "document_needed")
            assert queries.SAMPLES["{document}"][language] in rendered
            expected = sms.count(rendered, language)
            assert shown(page, language)["units"] == str(expected.units), language
        page.goto(EDIT)
        # Over the cap: said so as one types, and refused on saving.
        page.locator("#id_body_en").fill("{reference} " + "x" * 700)
        assert "too long to send" in shown(page, "en")["text"]
        page.locator("button[value=save]").click()
        page.wait_for_load_state()
        assert "5 parts" in page.locator("#id_body_en_error").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_templates_pages_pass_axe_and_fit_360_px(
    chromium: Any, live_server: Any, cast: Any, language: str, tmp_path: Any
) -> None:
    context, page = open_in(chromium, live_server, language)
    failures: dict[str, Any] = {}
    try:
        choose_language(page, language)
        sign_in(page, "admin")
        for path in (LIST, EDIT, "/notifications/administration/EMK/templates/email/received/"):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            if found := violations(page):
                failures[path] = found
            if wide := too_wide(page):
                failures[f"{path} (width)"] = wide
            name = path.strip("/").replace("/", "-")
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(
                    path=str(tmp_path / f"{name}-{language}-{width}.png"), full_page=True
                )
        # The page with errors beside their fields.
        page.goto(EDIT)
        page.locator(f"#id_body_{language}").fill("{reference} {name}")
        page.locator("button[value=save]").click()
        page.wait_for_load_state()
        assert page.locator(f"#id_body_{language}_error").is_visible()
        if found := violations(page):
            failures["errors"] = found
        if wide := too_wide(page):
            failures["errors (width)"] = wide
        page.set_viewport_size({"width": 390, "height": 900})
        page.screenshot(path=str(tmp_path / f"errors-{language}-390.png"), full_page=True)
        # An e-mail's subject refused beside its field.
        page.goto("/notifications/administration/EMK/templates/email/received/")
        page.locator(f"#id_subject_{language}").fill("{reference}")
        page.locator("button[value=save]").click()
        page.wait_for_load_state()
        assert page.locator(f"#id_subject_{language}_error").is_visible()
        if found := violations(page):
            failures["subject error"] = found
        if wide := too_wide(page):
            failures["subject error (width)"] = wide
        page.screenshot(path=str(tmp_path / f"subject-{language}-390.png"), full_page=True)
    finally:
        context.close()
    assert not failures, failures
