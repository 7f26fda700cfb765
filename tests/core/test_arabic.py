"""Arabic normalisation, tokens, light stemming and index terms."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasl.core.arabic import fold_digits, index_terms, light_stem, normalise, tokens

# Text that exercises the normaliser: Arabic letters and marks, presentation forms, Persian
# letters, digits of several scripts, Latin with accents, bidi and zero-width characters.
ARABIC_ISH = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFC),
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
        st.sampled_from("\u200c\u200d\u200e\u200f\u202b\u202c\u2067\u2069\u061c\ufeff \t\n"),
        st.sampled_from("AaZzßİǰΣς0189۰۹"),
    ),
    max_size=40,
)

FORBIDDEN_IN_OUTPUT = re.compile(
    "[\u064b-\u0652\u0670\u0640\u0623\u0625\u0622\u0671\u0649\u0629\u0624\u0626\u06cc\u06a9"
    "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\u0660-\u0669\u06f0-\u06f9]"
)


# fold_digits


def test_it_folds_arabic_indic_digits() -> None:
    assert fold_digits("١٢٣٤٥٦٧٨٩٠") == "1234567890"


def test_it_folds_persian_digits() -> None:
    assert fold_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_it_folds_digits_of_any_script() -> None:
    assert fold_digits("१२ １２") == "12 12"  # Devanagari and full-width


def test_it_turns_the_arabic_decimal_separator_into_a_dot_and_drops_the_thousands_one() -> None:
    assert fold_digits("١٬٢٣٤٫٥") == "1234.5"


def test_it_leaves_letters_alone_when_folding_digits() -> None:
    assert fold_digits("رقم ٥ no. 5") == "رقم 5 no. 5"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_folded_digits_are_all_ascii(text: str) -> None:
    folded = fold_digits(text)
    assert all(c in "0123456789" for c in folded if c.isdecimal())


# normalise


def test_it_removes_harakat_from_a_voweled_name() -> None:
    assert normalise("مُحَمَّد") == "محمد"


def test_it_removes_tanween_and_sukun() -> None:
    assert normalise("شكراً جزيلاً، مَسْجِد") == "شكرا جزيلا، مسجد"


def test_it_removes_superscript_alef_and_tatweel() -> None:
    assert normalise("هٰذا محـــمد") == "هذا محمد"


def test_it_folds_hamza_seats_and_wasla_to_bare_alef() -> None:
    assert normalise("أحمد إبراهيم آمنة ٱلله") == "احمد ابراهيم امنه الله"


def test_it_folds_alef_maqsura_and_taa_marbuta() -> None:
    assert normalise("مستشفى") == normalise("مستشفي") == "مستشفي"
    assert normalise("مدرسة") == "مدرسه"


def test_it_folds_hamza_on_waw_and_yeh() -> None:
    assert normalise("مسؤول رئيس") == "مسوول رييس"


def test_it_folds_persian_yeh_and_keheh() -> None:
    assert normalise("کتاب یاسر") == "كتاب ياسر"


def test_it_expands_presentation_forms_and_lam_alef_ligatures() -> None:
    assert normalise("ﺍﻟﻤﻌﺎﻣﻼﺕ") == "المعاملات"
    assert normalise("ﻷحمد ﻻ") == "لاحمد لا"


def test_it_case_folds_latin() -> None:
    assert normalise("Makkah STRASSE Straße") == "makkah strasse strasse"


def test_it_strips_bidi_controls_and_zero_width_characters() -> None:
    assert normalise("\u202bمرحبا\u202c\u200f \u2067نص\u2069\u061c كتاب\u200cها") == (
        "مرحبا نص كتابها"
    )


def test_it_folds_digits_while_normalising() -> None:
    assert normalise("المعاملة رقم ١٤٤٦/۱۲۳") == "المعامله رقم 1446/123"


def test_it_collapses_and_strips_whitespace() -> None:
    assert normalise("  أمانة \t\n  جدة\u00a0 ") == "امانه جده"


def test_it_returns_an_empty_string_for_marks_only() -> None:
    assert normalise("\u064e\u0640\u200f ") == ""


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalise_is_idempotent_on_any_text(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=200, deadline=None)
@given(ARABIC_ISH)
def test_normalise_is_idempotent_on_arabic_text(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=200, deadline=None)
@given(ARABIC_ISH)
def test_normalised_text_has_no_foldable_characters_left(text: str) -> None:
    out = normalise(text)
    assert not FORBIDDEN_IN_OUTPUT.search(out)
    assert out == out.strip()
    assert "  " not in out


# tokens


def test_it_splits_tokens_on_punctuation_and_symbols() -> None:
    assert tokens("رقم المعاملة: ١٤٤٦/١٢٣، (عاجل)") == ["رقم", "المعامله", "1446", "123", "عاجل"]


def test_it_keeps_a_voweled_word_as_one_token() -> None:
    # The reason the index gets normalised text: SQLite's unicode61 splits this into four.
    assert tokens("مُحَمَّد") == ["محمد"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_tokens_are_normalised_and_non_empty(text: str) -> None:
    for token in tokens(text):
        assert token
        assert normalise(token) == token
        assert " " not in token


# light_stem


@pytest.mark.parametrize("word", ["المعاملات", "والمعاملة", "بالمعاملات", "للمعاملات"])
def test_it_stems_the_forms_of_muamala_to_one_stem(word: str) -> None:
    assert light_stem(normalise(word)) == "معامل"


def test_it_strips_only_the_first_matching_prefix() -> None:
    assert light_stem("والكتاب") == "كتاب"  # وال, not و then ال


def test_it_strips_waw_only_from_words_of_four_letters_or_more() -> None:
    assert light_stem("ولد") == "ولد"
    assert light_stem("وكتب") == "كتب"


def test_it_strips_a_prefix_only_when_two_letters_remain() -> None:
    assert light_stem("الف") == "الف"
    assert light_stem("الحج") == "حج"


def test_it_strips_the_suffixes_one_after_another() -> None:
    assert light_stem("معلميها") == "معلم"  # ها, then ي


def test_it_strips_a_suffix_only_when_two_letters_remain() -> None:
    assert light_stem("ات") == "ات"
    assert light_stem("بات") == "بات"
    assert light_stem("سيارات") == "سيار"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="اأبتثجحخدذرزسشصضطظعغفقكلمنهويةىء", min_size=2, max_size=12))
def test_a_stem_is_a_part_of_the_word_of_at_least_two_letters(text: str) -> None:
    word = normalise(text)
    stem = light_stem(word)
    assert stem in word
    assert len(stem) >= 2


# index_terms


def test_it_indexes_the_exact_form_before_the_stem() -> None:
    assert index_terms("المعاملات") == ["المعاملات", "معامل"]


def test_it_does_not_repeat_terms() -> None:
    assert index_terms("المعاملات بالمعاملات") == ["المعاملات", "معامل", "بالمعاملات"]


def test_a_query_and_a_document_meet_on_the_stem() -> None:
    assert set(index_terms("المعاملات")) & set(index_terms("والمعاملة الواردة"))


def test_abdullah_gives_the_same_terms_joined_and_apart() -> None:
    apart = index_terms("عبد الله")
    joined = index_terms("عبدالله")
    assert "عبدالله" in apart
    assert {"عبد", "الله"} <= set(joined)
    assert set(apart) == set(joined)


def test_abu_followed_by_a_word_also_gives_the_joined_name() -> None:
    assert "ابوبكر" in index_terms("أبو بكر")


def test_it_does_not_split_abd_names_with_a_short_rest() -> None:
    assert index_terms("عبده") == ["عبده", "عبد"]  # the stem, not a split: no lone ه term
    assert "ان" not in index_terms("عبدان")


@settings(max_examples=200, deadline=None)
@given(ARABIC_ISH)
def test_every_index_term_is_normalised_and_unique(text: str) -> None:
    terms = index_terms(text)
    assert len(terms) == len(set(terms))
    assert all(t and normalise(t) == t for t in terms)
    assert set(tokens(text)) <= set(terms)
