"""SMS encodings and parts, counted before sending."""

from __future__ import annotations

from wasl.notifications import sms


def test_plain_latin_is_gsm7_in_one_part_up_to_160():
    assert sms.count("a" * 160) == sms.Segments("gsm7", 160, 1)


def test_161_gsm7_characters_take_two_parts_of_153():
    assert sms.count("a" * 161).parts == 2
    assert sms.count("a" * 306).parts == 2
    assert sms.count("a" * 307).parts == 3


def test_an_extension_character_takes_two_septets_and_is_never_split():
    assert sms.count("€" * 80) == sms.Segments("gsm7", 160, 1)
    # 152 septets, then a two-septet character that does not fit in the first part's 153
    counted = sms.count("a" * 152 + "€" + "a" * 10)
    assert counted.units == 164
    assert counted.parts == 2
    assert sms.count("a" * 152 + "€" * 77).parts == 3


def test_arabic_is_ucs2_70_then_67_per_part():
    assert sms.count("م" * 70) == sms.Segments("ucs2", 70, 1)
    assert sms.count("م" * 71).parts == 2
    assert sms.count("م" * 134).parts == 2
    assert sms.count("م" * 135).parts == 3


def test_an_arabic_message_is_ucs2_even_when_its_text_would_fit_gsm7():
    assert sms.count("EMK-1448-000042", language="ar").encoding == "ucs2"
    assert sms.count("EMK-1448-000042", language="en").encoding == "gsm7"


def test_one_character_outside_the_alphabet_makes_the_whole_message_ucs2():
    assert sms.count("Your matter is ready ✓").encoding == "ucs2"
    assert sms.count("Your matter is ready ✓").parts == 1


def test_a_character_outside_the_bmp_counts_two_units_and_is_never_split():
    assert sms.count("😀" * 35) == sms.Segments("ucs2", 70, 1)
    assert sms.count("a" * 66 + "😀" + "a").units == 69
    assert sms.count("a" * 66 + "😀" + "a").parts == 1
    # 134 units would fill two parts of 67, but the pair cannot straddle the first boundary
    assert sms.count("a" * 66 + "😀" + "a" * 66).units == 134
    assert sms.count("a" * 66 + "😀" + "a" * 66).parts == 3
