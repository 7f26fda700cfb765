"""Hijri dates, their formats, parsing and Saudi working days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasl.core.errors import InvalidInput
from wasl.core.hijri import (
    HijriDate,
    add_working_days,
    format_dual,
    format_gregorian,
    format_hijri,
    from_hijri,
    hijri_month_name,
    hijri_year,
    is_working_day,
    parse_date,
    to_hijri,
    working_days_between,
)

NOV_21 = date(2024, 11, 21)  # a Thursday; 19 Jumada al-Ula 1446
FIRST = date(1924, 8, 1)  # 1 Muharram 1343
LAST = date(2077, 11, 16)  # 30 Dhu al-Hijjah 1500
SUPPORTED = st.dates(min_value=FIRST, max_value=LAST)


# Conversion


def test_it_converts_to_umm_al_qura() -> None:
    assert to_hijri(NOV_21) == HijriDate(1446, 5, 19)


def test_it_converts_from_umm_al_qura() -> None:
    assert from_hijri(1446, 5, 19) == NOV_21


def test_it_converts_a_datetime_as_its_date() -> None:
    from datetime import datetime

    assert to_hijri(datetime(2024, 11, 21, 23, 59)) == HijriDate(1446, 5, 19)


def test_it_knows_the_hijri_year() -> None:
    assert hijri_year(NOV_21) == 1446
    assert hijri_year(date(2024, 7, 7)) == 1446  # 1 Muharram 1446
    assert hijri_year(date(2024, 7, 6)) == 1445


def test_it_converts_the_ends_of_the_supported_range() -> None:
    assert to_hijri(FIRST) == HijriDate(1343, 1, 1)
    assert to_hijri(LAST) == HijriDate(1500, 12, 30)


@pytest.mark.parametrize("day", [date(1924, 7, 31), date(2077, 11, 17), date(1, 1, 1)])
def test_it_rejects_gregorian_dates_outside_the_supported_range(day: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        to_hijri(day)
    assert caught.value.code == "invalid_date"


@pytest.mark.parametrize("ymd", [(1446, 13, 1), (1446, 0, 1), (1446, 1, 30), (1342, 12, 29)])
def test_it_rejects_hijri_dates_that_do_not_exist(ymd: tuple[int, int, int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        from_hijri(*ymd)
    assert caught.value.code == "invalid_date"


@settings(max_examples=200, deadline=None)
@given(SUPPORTED)
def test_conversion_round_trips(day: date) -> None:
    assert from_hijri(*to_hijri(day)) == day


# Formats


def test_it_formats_the_hijri_date() -> None:
    assert format_hijri(NOV_21) == "1446/05/19هـ"


def test_it_formats_the_hijri_date_in_arabic_digits() -> None:
    assert format_hijri(NOV_21, digits="arabic") == "١٤٤٦/٠٥/١٩هـ"


def test_it_formats_the_gregorian_date() -> None:
    assert format_gregorian(NOV_21) == "2024/11/21م"


def test_it_formats_both_calendars_hijri_first() -> None:
    assert format_dual(NOV_21) == "1446/05/19هـ الموافق 2024/11/21م"


def test_it_formats_both_calendars_in_arabic_digits() -> None:
    assert format_dual(NOV_21, digits="arabic") == "١٤٤٦/٠٥/١٩هـ الموافق ٢٠٢٤/١١/٢١م"


def test_it_names_hijri_months_in_arabic_and_english() -> None:
    assert hijri_month_name(5) == "جمادى الأولى"
    assert hijri_month_name(9, lang="ar") == "رمضان"
    assert hijri_month_name(12, lang="en") == "Dhu al-Hijjah"


@pytest.mark.parametrize("month", [0, 13, -1])
def test_it_rejects_a_month_that_does_not_exist(month: int) -> None:
    with pytest.raises(InvalidInput):
        hijri_month_name(month)


# Parsing


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-21",
        "2024/11/21",
        "2024/11/21م",
        "2024/11/21 م",
        "1446/05/19هـ",
        "1446/5/19 هـ",
        "1446-05-19هـ",
        "1446/05/19ه",
        "1446/05/19",
        "1446-05-19",
        "١٤٤٦/٠٥/١٩هـ",
        "۲۰۲۴-۱۱-۲۱",
        " \u200f1446/05/19هـ\u200f ",
    ],
)
def test_it_parses_gregorian_and_hijri_dates(text: str) -> None:
    assert parse_date(text) == NOV_21


@pytest.mark.parametrize(
    "text",
    [
        "",
        "21/11/2024",
        "2024-11/21",
        "2024-02-30",
        "2023-02-29",
        "1446/13/01هـ",
        "1446/01/30هـ",
        "2024/11/21هـ",  # a Hijri year out of range
        "1342/12/29",
        "1924-07-31",  # Gregorian, but no Hijri date to show beside it
        "2077-11-17",
        "2024-11-21T10:00",
        "2024-11-21 م م",
        "99999-01-01",
        "١" * 40,
    ],
)
def test_it_rejects_impossible_or_malformed_dates(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text)
    assert caught.value.code == "invalid_date"


def test_it_rejects_a_non_string_date() -> None:
    with pytest.raises(InvalidInput):
        parse_date(20241121)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"[0-9٠-٩]{1,6}[-/][0-9]{1,3}[-/][0-9]{1,3}\s?(هـ|ه|م)?", fullmatch=True),
    )
)
def test_parse_date_raises_nothing_but_invalid_input(text: str) -> None:
    try:
        result = parse_date(text)
    except InvalidInput as error:
        assert error.code == "invalid_date"
    else:
        assert FIRST <= result <= LAST


@settings(max_examples=200, deadline=None)
@given(SUPPORTED)
def test_formatted_dates_parse_back(day: date) -> None:
    assert parse_date(format_hijri(day)) == day
    assert parse_date(format_hijri(day, digits="arabic")) == day
    assert parse_date(format_gregorian(day)) == day


# Working days


def test_friday_and_saturday_are_the_weekend() -> None:
    thursday, friday, saturday, sunday = (NOV_21 + timedelta(days=i) for i in range(4))
    assert is_working_day(thursday, ())
    assert not is_working_day(friday, ())
    assert not is_working_day(saturday, ())
    assert is_working_day(sunday, ())


def test_a_holiday_is_not_a_working_day() -> None:
    national_day = date(2024, 9, 23)  # a Monday
    assert not is_working_day(national_day, {national_day})
    assert is_working_day(national_day, set())


def test_adding_working_days_skips_the_weekend() -> None:
    assert add_working_days(NOV_21, 1, ()) == date(2024, 11, 24)  # Thursday → Sunday
    assert add_working_days(NOV_21, 5, ()) == date(2024, 11, 28)


def test_adding_working_days_skips_holidays() -> None:
    assert add_working_days(NOV_21, 1, [date(2024, 11, 24)]) == date(2024, 11, 25)


def test_adding_zero_working_days_gives_the_start() -> None:
    friday = date(2024, 11, 22)
    assert add_working_days(friday, 0, ()) == friday


@pytest.mark.parametrize("days", [-1, 3651, True, 1.5])
def test_it_rejects_a_working_day_count_out_of_bounds(days: object) -> None:
    with pytest.raises(InvalidInput):
        add_working_days(NOV_21, days, ())  # type: ignore[arg-type]


def test_it_rejects_adding_past_the_last_date() -> None:
    with pytest.raises(InvalidInput):
        add_working_days(date.max - timedelta(days=3), 10, ())


def test_it_counts_working_days_after_the_start_up_to_the_end() -> None:
    assert working_days_between(NOV_21, NOV_21, ()) == 0
    assert working_days_between(NOV_21, date(2024, 11, 23), ()) == 0  # Friday, Saturday
    assert working_days_between(NOV_21, date(2024, 11, 28), ()) == 5
    assert working_days_between(NOV_21, date(2024, 11, 28), {date(2024, 11, 25)}) == 4


def test_it_counts_backwards_as_negative() -> None:
    assert working_days_between(date(2024, 11, 28), NOV_21, ()) == -5


def test_it_counts_a_long_span_without_walking_it() -> None:
    assert working_days_between(date.min, date.max, ()) > 2_500_000


def test_a_holiday_on_the_weekend_is_not_counted_twice() -> None:
    friday = date(2024, 11, 22)
    assert working_days_between(NOV_21, date(2024, 11, 28), {friday}) == 5


HOLIDAYS = st.frozensets(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=400),
    HOLIDAYS,
)
def test_working_day_arithmetic_round_trips(
    start: date, days: int, holidays: frozenset[date]
) -> None:
    end = add_working_days(start, days, holidays)
    assert working_days_between(start, end, holidays) == days
    assert working_days_between(end, start, holidays) == -days
    if days > 0:
        assert end.weekday() not in (4, 5)
        assert end not in holidays
        assert is_working_day(end, holidays)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
    st.lists(st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31))),
)
def test_counting_working_days_matches_walking_the_days(
    start: date, end: date, holidays: list[date]
) -> None:
    low, high = sorted((start, end))
    off = set(holidays)
    walked = sum(
        1 for i in range(1, (high - low).days + 1) if is_working_day(low + timedelta(days=i), off)
    )
    expected = walked if end >= start else -walked
    assert working_days_between(start, end, holidays) == expected
