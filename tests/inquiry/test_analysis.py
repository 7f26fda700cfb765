"""Search analysis: the same words meet whatever way people write them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasl.core.arabic import normalise
from wasl.inquiry import analysis
from wasl.inquiry.backends import safe_token

ARABIC_ISH = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFC),
        st.sampled_from(
            "\u200c\u200d\u200e\u200f\u202b\u202c\u2067\u2069\u061c\ufeff \t\nAaß0١۹\u0654"
        ),
    ),
    max_size=60,
)


def meet(a: str, b: str) -> bool:
    """Whether a document containing `a` is found by the query `b`."""
    document = set(analysis.index_text(a).keys)
    return all(w.keys & document for w in analysis.query_words(b) if not w.optional)


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("المعاملات", "معاملة"),
        ("معاملة", "المعاملات"),
        ("بالمعاملات", "المعاملة"),
        ("لمعاملة المواطن", "معاملة"),
        ("معاملة", "وبالمعاملة"),
        ("الموظفون", "موظف"),
        ("الموظفين", "الموظفون"),
        ("طلبان", "طلب"),
        ("الأراضي الحكومية", "أرض"),
        ("شكاوى المواطنين", "شكوى"),
        ("مسؤول", "مسئول"),
        ("شؤون الموظفين", "شئون"),
        ("هيئة", "هيئه"),
        ("مدرسة", "مدرسه"),
        ("مستشفى", "مستشفي"),
        ("إبراهيم", "ابراهيم"),
        ("عبد الله", "عبدالله"),
        ("عبدالله", "عبد الله"),
        ("ضيف الله", "ضيفالله"),
        ("أبو بكر", "ابوبكر"),
        ("مُحَمَّد", "محمد"),
        ("محمد", "مُحَمَّد"),
        ("رقم ١٤٤٨", "1448"),
        ("Makkah", "MAKKAH"),
        ("بحي السلامة", "حي"),
        ("حي السلامة", "بحي"),
        ("وبيده", "يد"),
    ],
)
def test_a_word_is_found_in_whatever_form_it_is_typed(document: str, query: str) -> None:
    assert meet(document, query)


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("تعويض", "رخصة"),
        ("وطن", "بطن"),
        ("عبد العزيز", "عبدالله"),
        ("الطائف", "جدة"),
        ("بيت", "يت"),
        ("لبن", "بن"),
    ],
)
def test_different_words_do_not_meet(document: str, query: str) -> None:
    assert not meet(document, query)


def test_stop_words_are_optional_unless_alone() -> None:
    words = analysis.query_words("شكوى من تأخر")
    assert [w.optional for w in words] == [False, True, False]
    assert [w.optional for w in analysis.query_words("من في")] == [False, False]


def test_a_compound_name_written_apart_is_one_query_word() -> None:
    (word,) = analysis.query_words("عبد الرحمن")
    assert word.exact == {"عبدالرحمن"}


def test_an_apart_compound_is_also_indexed_joined_so_that_it_ranks_as_exact() -> None:
    assert "عبدالله" in analysis.index_text("المواطن عبد الله").exact


def test_segments_mark_the_original_spelling_that_matched() -> None:
    wanted = frozenset().union(*(w.keys for w in analysis.query_words("محمد الأراضي")))
    pieces = analysis.segments("طلب مُحَمَّد بشأن أراضٍ والأراضي وغيرها", wanted)
    assert [text for text, match in pieces if match] == ["مُحَمَّد", "أراضٍ", "والأراضي"]


def test_segments_mark_both_parts_of_a_name_written_apart() -> None:
    wanted = frozenset().union(*(w.keys for w in analysis.query_words("عبدالله")))
    pieces = analysis.segments("المواطن عبد الله الحربي", wanted)
    assert [text for text, match in pieces if match] == ["عبد", "الله"]


def test_a_snippet_is_cut_around_the_first_match() -> None:
    text = "كلمة " * 60 + "تعويض" + " نص" * 60
    wanted = frozenset(analysis.query_words("تعويض")[0].keys)
    pieces = analysis.snippet(text, wanted, width=30)
    joined = "".join(t for t, _ in pieces)
    assert "تعويض" in joined and joined.startswith("…") and joined.endswith("…")
    assert len(joined) < 90


@settings(max_examples=300, deadline=None)
@given(ARABIC_ISH)
def test_search_normalise_is_idempotent(text: str) -> None:
    once = analysis.search_normalise(text)
    assert analysis.search_normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(ARABIC_ISH)
def test_hamza_seats_never_survive_normalising(text: str) -> None:
    assert not re.search("[\u0624\u0626\u0654]", analysis.search_normalise(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ARABIC_ISH, st.text(max_size=60)))
def test_words_are_the_tokens_of_the_whole_text_normalised_at_once(text: str) -> None:
    # words() normalises chunk by chunk through a cache; it must equal doing it all at once.
    assert analysis.words(text) == re.findall(r"[^\W_]+", analysis.search_normalise(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ARABIC_ISH, st.text(max_size=60)))
def test_analysis_never_crashes_and_every_document_word_finds_itself(text: str) -> None:
    indexed = analysis.index_text(text)
    keys = set(indexed.keys)
    for word in analysis.query_words(text):
        assert word.keys & keys or word.optional
    analysis.segments(text, frozenset(keys))
    analysis.snippet(text, frozenset(keys))


@settings(max_examples=300, deadline=None)
@given(st.one_of(ARABIC_ISH, st.text(max_size=60)))
def test_segments_always_reassemble_the_original_text(text: str) -> None:
    wanted = frozenset(analysis.index_text(text).keys[:3])
    assert "".join(piece for piece, _ in analysis.segments(text, wanted)) == text


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_safe_tokens_are_single_tokens_of_letters_and_digits(token: str) -> None:
    safe = safe_token(token)
    assert re.fullmatch(r"[^\W_]+", safe)
    assert safe_token(token) == safe


def test_the_core_normaliser_is_what_search_builds_on() -> None:
    assert analysis.search_normalise("أحمد") == normalise("أحمد") == "احمد"
