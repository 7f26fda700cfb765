"""Hijri (Umm al-Qura) and Gregorian dates, as official papers show them, and working days.

Conversion happens here on the server with ``hijridate`` (1343–1500 AH, 1924-08-01 …
2077-11-16): browsers' ICU agrees with Umm al-Qura only for 1420–1450 AH. Durations are
counted in Gregorian working days (Sunday–Thursday) and shown in both calendars.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta
from typing import Literal, NamedTuple

from hijridate import Gregorian, Hijri

from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput

Digits = Literal["latin", "arabic"]
Language = Literal["ar", "en"]

HIJRI_SUFFIX = "هـ"
GREGORIAN_SUFFIX = "م"
# Dates written without a calendar mark are Hijri when the year is below this: Hijri years in
# use are around 1400–1500, Gregorian ones around 1900–2100.
HIJRI_YEAR_LIMIT = 1600
MAX_WORKING_DAYS = 3650

# Friday and Saturday, as date.weekday() numbers them.
WEEKEND = frozenset({4, 5})

_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# The year, the month and the day, with the same separator twice, then an optional calendar
# mark: هـ (also without the tatweel) or م. Digits are folded to ASCII beforehand.
_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"\s*(?P<cal>هـ|ه|م)?"
)
# Right-to-left pages wrap dates in direction marks; they carry no meaning here.
_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_MAX_DATE_TEXT = 32


class HijriDate(NamedTuple):
    """A date of the Umm al-Qura calendar."""

    year: int
    month: int
    day: int


def _invalid_date(en_detail: str = "") -> InvalidInput:
    return InvalidInput(
        "التاريخ غير صحيح أو خارج النطاق المدعوم (1343–1500هـ، 1924–2077م).",
        "The date is not valid or outside the supported range (1343–1500 AH, 1924–2077)."
        + (f" {en_detail}" if en_detail else ""),
        code="invalid_date",
    )


def to_hijri(d: date) -> HijriDate:
    """The Umm al-Qura date of the Gregorian date ``d``; InvalidInput outside 1924–2077."""
    try:
        h = Gregorian(d.year, d.month, d.day).to_hijri()
    except (ValueError, OverflowError) as exc:
        raise _invalid_date() from exc
    return HijriDate(h.year, h.month, h.day)


def from_hijri(year: int, month: int, day: int) -> date:
    """The Gregorian date of an Umm al-Qura date; InvalidInput if it does not exist."""
    try:
        g = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError, TypeError) as exc:
        raise _invalid_date() from exc
    return date(g.year, g.month, g.day)


def hijri_year(d: date) -> int:
    """The Umm al-Qura year ``d`` falls in (reference numbers restart with it)."""
    return to_hijri(d).year


def _digits(text: str, digits: Digits) -> str:
    return text.translate(_ARABIC_DIGITS) if digits == "arabic" else text


def format_hijri(d: date, digits: Digits = "latin") -> str:
    """``1446/05/19هـ``: year/month/day, zero-padded, with the Hijri mark."""
    h = to_hijri(d)
    return _digits(f"{h.year:04d}/{h.month:02d}/{h.day:02d}", digits) + HIJRI_SUFFIX


def format_gregorian(d: date, digits: Digits = "latin") -> str:
    """``2024/11/21م``: year/month/day, zero-padded, with the Gregorian mark."""
    return _digits(f"{d.year:04d}/{d.month:02d}/{d.day:02d}", digits) + GREGORIAN_SUFFIX


def format_dual(d: date, digits: Digits = "latin") -> str:
    """``1446/05/19هـ الموافق 2024/11/21م``: Hijri first, as official papers print it."""
    return f"{format_hijri(d, digits)} الموافق {format_gregorian(d, digits)}"


def hijri_month_name(month: int, lang: Language = "ar") -> str:
    """The name of Hijri month 1–12 (hijridate's names): 5 → جمادى الأولى / Jumada al-Ula."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidInput("الشهر الهجري غير صحيح.", "Invalid Hijri month.", code="invalid_date")
    if lang not in ("ar", "en"):
        raise ValueError(f"unsupported language: {lang!r}")
    # Month names do not depend on the year; any year hijridate supports will do.
    return Hijri(1446, month, 1).month_name(lang)


def parse_date(text: str) -> date:
    """Read a date typed by a person; always returns the Gregorian date.

    ``YYYY-MM-DD`` or ``YYYY/MM/DD``, optionally followed by م, is Gregorian; followed by هـ
    (or ه), or with a year below 1600, it is Hijri (Umm al-Qura). Arabic and Persian digits
    are accepted. Anything else, dates that do not exist, and dates outside the range both
    calendars can show (1343–1500 AH, 1924-08-01 … 2077-11-16) raise InvalidInput with code
    ``invalid_date``.
    """
    if not isinstance(text, str) or len(text) > _MAX_DATE_TEXT:
        raise _invalid_date()
    match = _DATE.fullmatch(fold_digits(_MARKS.sub("", text)).strip())
    if match is None:
        raise InvalidInput(
            "صيغة التاريخ غير صحيحة؛ اكتبه بالصيغة 1446/05/19هـ أو 2024/11/21م.",
            "Invalid date format; write it as 1446/05/19 AH (هـ) or 2024-11-21.",
            code="invalid_date",
        )
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    calendar = match["cal"]
    if calendar in ("هـ", "ه") or (calendar is None and year < HIJRI_YEAR_LIMIT):
        return from_hijri(year, month, day)
    try:
        result = date(year, month, day)
    except ValueError as exc:
        raise _invalid_date() from exc
    # Every date in the system is shown in both calendars, so one hijridate cannot convert is
    # refused here rather than failing later when it is printed.
    to_hijri(result)
    return result


def _as_set(holidays: Collection[date]) -> Collection[date]:
    # Membership is tested once per day; a list of holidays would make that quadratic.
    return holidays if isinstance(holidays, (set, frozenset)) else frozenset(holidays)


def is_working_day(d: date, holidays: Collection[date] = ()) -> bool:
    """Sunday to Thursday, and not one of ``holidays``."""
    return d.weekday() not in WEEKEND and d not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The date that is ``days`` working days after ``start`` (``start`` itself not counted).

    ``days`` = 0 gives ``start``. ``days`` must be an int in 0..3650, else InvalidInput.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WORKING_DAYS:
        raise InvalidInput(
            f"عدد أيام العمل يجب أن يكون بين 0 و{MAX_WORKING_DAYS}.",
            f"The number of working days must be between 0 and {MAX_WORKING_DAYS}.",
            code="invalid_working_days",
        )
    off = _as_set(holidays)
    current = start
    try:
        while days:
            current += timedelta(days=1)
            if is_working_day(current, off):
                days -= 1
    except OverflowError as exc:
        raise _invalid_date("The result is past the last representable date.") from exc
    return current


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end``; negative when end < start.

    The inverse of :func:`add_working_days`: ``working_days_between(d, add_working_days(d, n))
    == n``. Counts whole weeks arithmetically, so any span is cheap.
    """
    if end < start:
        return -working_days_between(end, start, holidays)
    span = (end - start).days
    weeks, rest = divmod(span, 7)
    first = start.weekday()
    count = weeks * (7 - len(WEEKEND))
    count += sum(1 for i in range(1, rest + 1) if (first + i) % 7 not in WEEKEND)
    count -= sum(1 for h in set(holidays) if start < h <= end and h.weekday() not in WEEKEND)
    return count
