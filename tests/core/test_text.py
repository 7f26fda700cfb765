"""The free-text gate."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasl.core.errors import InvalidInput
from wasl.core.text import clean_text

NEVER_ALLOWED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef"
    "\ufffe\uffff\U0010fffe\U0010ffff]"
)


def code_of(value: object, **kwargs: object) -> str:
    options: dict[str, object] = {"field": "subject", "max_length": 200, **kwargs}
    with pytest.raises(InvalidInput) as caught:
        clean_text(value, **options)  # type: ignore[arg-type]
    return caught.value.code


def test_it_returns_arabic_text_unchanged() -> None:
    assert clean_text("طلب تصريح بناء", field="subject", max_length=200) == "طلب تصريح بناء"


def test_it_strips_surrounding_whitespace() -> None:
    assert clean_text("  طلب \n", field="subject", max_length=200) == "طلب"


def test_it_nfc_normalises() -> None:
    decomposed = "Jose\u0301"
    assert clean_text(decomposed, field="name", max_length=20) == "José"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed, field="name", max_length=20))


def test_it_keeps_harakat() -> None:
    assert clean_text("مُحَمَّد", field="name", max_length=20) == "مُحَمَّد"


@pytest.mark.parametrize("char", ["\u200c", "\u200d", "\u200e", "\u200f"])
def test_it_allows_joiners_and_direction_marks_used_in_arabic(char: str) -> None:
    text = f"رقم{char} 1446/123"
    assert clean_text(text, field="subject", max_length=200) == text


def test_it_rejects_bidi_override() -> None:
    assert code_of("invoice \u202egpj.exe") == "text_bidi_override"


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2069"])
def test_it_rejects_bidi_embeddings_and_isolates(char: str) -> None:
    assert code_of(f"نص{char}نص") == "text_bidi_override"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_it_rejects_control_characters(char: str) -> None:
    assert code_of(f"a{char}b") == "text_control_chars"
    assert code_of(f"a{char}b", multiline=True) == "text_control_chars"


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u2028"])
def test_it_rejects_tabs_and_line_breaks_in_single_line_text(char: str) -> None:
    assert code_of(f"a{char}b") == "text_control_chars"


def test_it_allows_tabs_and_line_breaks_in_multiline_text() -> None:
    text = "السلام عليكم\n\tوبعد"
    assert clean_text(text, field="body", max_length=200, multiline=True) == text


def test_it_unifies_line_breaks_in_multiline_text() -> None:
    cleaned = clean_text("a\r\nb\rc\u2028d", field="body", max_length=200, multiline=True)
    assert cleaned == "a\nb\nc\nd"


@pytest.mark.parametrize("char", ["\ud800", "\udfff", "\ufdd0", "\ufffe", "\U0001ffff"])
def test_it_rejects_lone_surrogates_and_noncharacters(char: str) -> None:
    assert code_of(f"a{char}b") == "text_invalid_chars"


def test_it_rejects_text_over_the_maximum_length() -> None:
    assert code_of("ب" * 11, max_length=10) == "text_too_long"


def test_it_accepts_text_of_exactly_the_maximum_length() -> None:
    assert clean_text("ب" * 10, field="name", max_length=10) == "ب" * 10


def test_it_measures_length_after_stripping() -> None:
    assert clean_text("  " + "ب" * 10 + "\n", field="name", max_length=10) == "ب" * 10


def test_it_rejects_a_huge_string_quickly() -> None:
    huge = "\x00" + "ب" * 10_000_000  # a control character, too, so only the bound can be fast
    started = time.perf_counter()
    assert code_of(huge, max_length=200) == "text_too_long"
    assert time.perf_counter() - started < 0.05


def test_it_rejects_empty_text_when_required() -> None:
    assert code_of("") == "text_required"
    assert code_of(" \u3000\u00a0 ") == "text_required"


def test_it_accepts_empty_text_when_optional() -> None:
    assert clean_text("   ", field="notes", max_length=10, required=False) == ""


@pytest.mark.parametrize("value", [None, 12, b"bytes", ["a"]])
def test_it_rejects_anything_but_a_string(value: object) -> None:
    assert code_of(value) == "text_not_string"


def test_its_messages_name_the_field_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text("", field="subject", max_length=10, label_ar="الموضوع", label_en="Subject")
    error = caught.value
    assert error.field == "subject"
    assert "الموضوع" in error.message_ar
    assert error.message_en.startswith("Subject")
    assert error.as_dict()["field"] == "subject"


def test_its_messages_fall_back_to_the_field_key() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text("x" * 11, field="subject", max_length=10)
    assert "subject" in caught.value.message_en
    assert "subject" in caught.value.message_ar


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from("\x00\t\n\r\x85\u202e\u2066\u200f\u200c\ufffe\ud800 ب"),
        ),
        max_size=30,
    ),
    st.booleans(),
    st.booleans(),
)
def test_clean_text_returns_clean_text_or_raises_invalid_input(
    text: str, multiline: bool, required: bool
) -> None:
    try:
        cleaned = clean_text(
            text, field="body", max_length=20, multiline=multiline, required=required
        )
    except InvalidInput as error:
        assert error.code.startswith("text_")
        assert error.field == "body"
        return
    assert not NEVER_ALLOWED.search(cleaned)
    assert len(cleaned) <= 20
    assert cleaned == cleaned.strip()
    assert unicodedata.is_normalized("NFC", cleaned)
    if not multiline:
        assert not re.search("[\t\n\r\u2028\u2029]", cleaned)
    if required:
        assert cleaned
