"""The gate every free-text field passes through: subjects, bodies, names, instructions.

Text that reaches the registry ends up on printed letters, in SMS and in other entities'
systems, so characters that can hide or reorder what a reader sees are refused rather than
silently dropped: the person is told which field to fix.
"""

from __future__ import annotations

import re
import unicodedata

from wasl.core.errors import InvalidInput

# C0 and C1 controls and DEL, except tab, line feed and carriage return: those are whitespace,
# stripped at the ends like spaces (a pasted name often ends in a newline), and inside the text
# allowed only when it is multiline.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS_AND_TABS = re.compile("[\t\n\r\u2028\u2029]")

# Embeddings, overrides and isolates make text display in a different order from the one it
# is stored in ("Trojan Source"). The marks LRM, RLM and ALM (U+200E, U+200F, U+061C) and
# ZWNJ/ZWJ only affect the characters next to them and are ordinary in Arabic: allowed.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

# Lone surrogates (Python strings can hold them; no encoder will write them) and the 66
# noncharacters, which Unicode reserves for a program's internal use.
_INVALID = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)

_NEWLINES = re.compile("\r\n?|[\u2028\u2029]")

# NFC can shorten text up to about three times (a decomposed Hangul syllable, a Vietnamese
# letter with two marks), and the ends are stripped; anything longer than this bound cannot
# fit once cleaned, so it is refused before any work is done on it.
_SLACK_FACTOR = 4
_SLACK = 64


def _fail(code: str, field: str, label_ar: str, label_en: str, ar: str, en: str) -> InvalidInput:
    return InvalidInput(f"«{label_ar}» {ar}", f"{label_en} {en}", code=code, field=field)


def clean_text(
    value: object,
    *,
    field: str,
    max_length: int,
    multiline: bool = False,
    required: bool = True,
    label_ar: str | None = None,
    label_en: str | None = None,
) -> str:
    """Return ``value`` NFC-normalised and stripped, or raise :class:`InvalidInput`.

    Refused, each with its own ``code``: anything but a ``str`` (``text_not_string``); C0/C1
    control characters, and line breaks or tabs inside single-line text (``text_control_chars``);
    bidi embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069
    (``text_bidi_override``); lone surrogates and noncharacters (``text_invalid_chars``); more
    than ``max_length`` characters (``text_too_long``); empty text when ``required``
    (``text_required``). Multiline text gets its line breaks unified to ``\\n``.
    ``label_ar``/``label_en`` name the field in the messages (default: ``field``).
    """
    ar = label_ar or field
    en = label_en or field
    if not isinstance(value, str):
        raise _fail("text_not_string", field, ar, en, "يجب أن يكون نصاً.", "must be text.")

    too_long = (
        "text_too_long",
        field,
        ar,
        en,
        f"أطول من المسموح (الحد الأقصى: {max_length}).",
        f"is too long (at most {max_length} characters).",
    )
    if len(value) > max_length * _SLACK_FACTOR + _SLACK:
        raise _fail(*too_long)

    if _CONTROLS.search(value):
        raise _fail(
            "text_control_chars",
            field,
            ar,
            en,
            "يحتوي على رموز تحكم غير مسموح بها.",
            "contains control characters that are not allowed.",
        )
    if _BIDI_CONTROLS.search(value):
        raise _fail(
            "text_bidi_override",
            field,
            ar,
            en,
            "يحتوي على رموز تحكم في اتجاه النص قد تُخفي المحتوى الحقيقي؛ احذفها وأعد المحاولة.",
            "contains bidirectional override characters that can disguise the text; "
            "remove them and try again.",
        )
    if _INVALID.search(value):
        raise _fail(
            "text_invalid_chars",
            field,
            ar,
            en,
            "يحتوي على رموز غير صالحة.",
            "contains invalid characters.",
        )

    text = unicodedata.normalize("NFC", value).strip()
    if multiline:
        text = _NEWLINES.sub("\n", text)
    elif _LINE_BREAKS_AND_TABS.search(text):
        raise _fail(
            "text_control_chars",
            field,
            ar,
            en,
            "يجب أن يكون سطراً واحداً بلا فواصل أسطر أو مسافات جدولة.",
            "must be a single line, without line breaks or tabs.",
        )
    if len(text) > max_length:
        raise _fail(*too_long)
    if required and not text:
        raise _fail("text_required", field, ar, en, "حقل مطلوب.", "is required.")
    return text
