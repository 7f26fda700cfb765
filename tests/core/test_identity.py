"""National ID / iqama numbers, mobile numbers and commercial registrations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasl.core.errors import InvalidInput
from wasl.core.identity import (
    id_kind,
    make_national_id,
    normalise_phone,
    validate_cr,
    validate_national_id,
)

NINE_DIGIT_PREFIXES = st.from_regex(r"[12][0-9]{8}", fullmatch=True)


def error_of(function: object, value: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        function(value)  # type: ignore[operator]
    return caught.value


# National ID / iqama


@pytest.mark.parametrize("value", ["1058529940", "1001244019", "1000000008", "2000000006"])
def test_it_accepts_valid_national_ids(value: str) -> None:
    assert validate_national_id(value) == value


def test_it_rejects_an_id_whose_check_digit_is_wrong() -> None:
    error = error_of(validate_national_id, "1000000000")
    assert error.code == "invalid_national_id"
    assert "check digit" in error.message_en
    assert "رقم التحقق" in error.message_ar


def test_it_folds_arabic_digits_and_removes_spaces_and_dashes_from_an_id() -> None:
    assert validate_national_id("١٠٥٨٥٢٩٩٤٠") == "1058529940"
    assert validate_national_id("۱۰۵۸۵۲۹۹۴۰") == "1058529940"
    assert validate_national_id(" 105-852 9940 ") == "1058529940"


def test_it_accepts_an_id_given_as_an_int() -> None:
    assert validate_national_id(1058529940) == "1058529940"


@pytest.mark.parametrize("value", ["105852994", "10585299401", "", "10585x9940", "1" * 100])
def test_it_rejects_an_id_that_is_not_ten_digits(value: str) -> None:
    error = error_of(validate_national_id, value)
    assert error.code == "invalid_national_id"
    assert "10 digits" in error.message_en


@pytest.mark.parametrize("value", ["3000000004", "0000000000"])
def test_it_rejects_an_id_that_starts_with_neither_1_nor_2(value: str) -> None:
    error = error_of(validate_national_id, value)
    assert error.code == "invalid_national_id"
    assert "start with 1" in error.message_en


@pytest.mark.parametrize("value", [None, 1.5, True, b"1058529940"])
def test_it_rejects_an_id_that_is_not_text(value: object) -> None:
    assert error_of(validate_national_id, value).code == "invalid_national_id"


def test_it_tells_a_citizen_from_a_resident() -> None:
    assert id_kind("1058529940") == "citizen"
    assert id_kind("2000000006") == "resident"


def test_it_refuses_the_kind_of_an_invalid_id() -> None:
    with pytest.raises(InvalidInput):
        id_kind("1000000000")


def test_it_completes_nine_digits_with_the_check_digit() -> None:
    assert make_national_id("105852994") == "1058529940"
    assert make_national_id("100000000") == "1000000008"
    assert make_national_id("200000000") == "2000000006"


@pytest.mark.parametrize("prefix", ["10585299", "1058529940", "305852994", "10585299x"])
def test_it_refuses_to_complete_a_bad_prefix(prefix: str) -> None:
    with pytest.raises(InvalidInput):
        make_national_id(prefix)


@settings(max_examples=200, deadline=None)
@given(NINE_DIGIT_PREFIXES, st.integers(min_value=0, max_value=9))
def test_exactly_one_check_digit_completes_a_prefix(prefix: str, last: int) -> None:
    candidate = f"{prefix}{last}"
    made = make_national_id(prefix)
    if candidate == made:
        assert validate_national_id(candidate) == candidate
    else:
        with pytest.raises(InvalidInput):
            validate_national_id(candidate)


@settings(max_examples=200, deadline=None)
@given(NINE_DIGIT_PREFIXES, st.integers(min_value=0, max_value=9), st.integers(1, 9))
def test_changing_any_single_digit_invalidates_an_id(
    prefix: str, position: int, shift: int
) -> None:
    valid = make_national_id(prefix)
    assert validate_national_id(valid) == valid
    changed = str((int(valid[position]) + shift) % 10)
    mutated = valid[:position] + changed + valid[position + 1 :]
    with pytest.raises(InvalidInput):
        validate_national_id(mutated)


# Mobile numbers


@pytest.mark.parametrize(
    "value",
    [
        "0501234567",
        "501234567",
        "+966501234567",
        "00966501234567",
        "966501234567",
        "٠٥٠١٢٣٤٥٦٧",
        "۰۵۰۱۲۳۴۵۶۷",
        "050 123 4567",
        "+966 50-123-4567",
        "(050) 1234567",
        " \u200e0501234567\u200e ",
    ],
)
def test_it_normalises_a_saudi_mobile_number_to_e164(value: str) -> None:
    assert normalise_phone(value) == "+966501234567"


@pytest.mark.parametrize("second_digit", "013456789")
def test_it_accepts_every_mobile_prefix(second_digit: str) -> None:
    assert normalise_phone(f"05{second_digit}1234567") == f"+9665{second_digit}1234567"


@pytest.mark.parametrize(
    "value",
    [
        "0521234567",  # 052 is not a mobile prefix
        "0112345678",  # a Riyadh landline
        "+14155550100",  # not Saudi
        "+971501234567",  # a UAE mobile
        "05012345678",  # a digit too many
        "050123456",  # a digit too few
        "0501234567 ext. 5",
        "050123456#7",
        "05O1234567",  # a letter O for a zero
        "tel:+966501234567",
        "",
        "0" * 33,
    ],
)
def test_it_rejects_what_is_not_a_saudi_mobile_number(value: str) -> None:
    assert error_of(normalise_phone, value).code == "invalid_phone"


def test_it_rejects_a_phone_number_that_is_not_text() -> None:
    assert error_of(normalise_phone, 501234567).code == "invalid_phone"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalise_phone_raises_nothing_but_invalid_input(value: str) -> None:
    try:
        result = normalise_phone(value)
    except InvalidInput as error:
        assert error.code == "invalid_phone"
    else:
        assert result.startswith("+9665") and len(result) == 13


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"5[013-9][0-9]{7}", fullmatch=True))
def test_every_written_form_of_a_mobile_gives_the_same_result(national: str) -> None:
    # Not every 05X range is allocated (phonenumbers' metadata refuses 05799…), so the property
    # is that all the ways of writing one number agree, and agree on its E.164 form.
    forms = [f"0{national}", national, f"+966{national}", f"00966{national}", f"966{national}"]
    results = set()
    for form in forms:
        try:
            results.add(normalise_phone(form))
        except InvalidInput:
            results.add("invalid")
    assert results in ({f"+966{national}"}, {"invalid"})


# Commercial registration


def test_it_accepts_a_ten_digit_commercial_registration() -> None:
    assert validate_cr("4030123456") == "4030123456"
    assert validate_cr("٤٠٣٠١٢٣٤٥٦") == "4030123456"


@pytest.mark.parametrize("value", ["403012345", "40301234567", "40301x3456", "", None])
def test_it_rejects_a_commercial_registration_that_is_not_ten_digits(value: object) -> None:
    assert error_of(validate_cr, value).code == "invalid_cr"
