"""Periods the measures are asked for: a Hijri (Umm al-Qura) month, a Gregorian month, or a
range of days. Parsed from what people type, bounded so that no request does unbounded work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from wasl.core import hijri
from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput

MAX_PERIOD_DAYS = 1831  # five years and a day or two; longer asks are refused
GREGORIAN_MONTHS_AR = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
HIJRI, GREGORIAN, RANGE = "hijri", "gregorian", "range"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    calendar: str  # hijri / gregorian month, or range
    year: int = 0
    month: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.calendar == HIJRI:
            return f"{hijri.hijri_month_name(self.month)} {self.year}{hijri.HIJRI_SUFFIX}"
        if self.calendar == GREGORIAN:
            return f"{GREGORIAN_MONTHS_AR[self.month - 1]} {self.year}{hijri.GREGORIAN_SUFFIX}"
        return f"{hijri.format_hijri(self.start)} – {hijri.format_hijri(self.end)}"

    @property
    def label_en(self) -> str:
        if self.calendar == HIJRI:
            return f"{hijri.hijri_month_name(self.month, 'en')} {self.year} AH"
        if self.calendar == GREGORIAN:
            return self.start.strftime("%B %Y")
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def token(self) -> str:
        """What to put in a link's query string to ask for this period again."""
        if self.calendar in (HIJRI, GREGORIAN):
            return f"period={self.year:04d}-{self.month:02d}"
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"

    def shifted(self, months: int) -> Period:
        """The month `months` before (negative) or after this one (months only)."""
        y, m = self.year, self.month + months
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        return month_period(y, m, self.calendar)


def month_period(year: int, month: int, calendar: str) -> Period:
    if not 1 <= month <= 12:
        raise InvalidInput("الشهر غير صحيح.", "Invalid month.", code="invalid_period")
    if calendar == HIJRI:
        start = hijri.from_hijri(year, month, 1)
        y2, m2 = (year, month + 1) if month < 12 else (year + 1, 1)
        end = hijri.from_hijri(y2, m2, 1) - timedelta(days=1)
    else:
        try:
            start = date(year, month, 1)
            end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        except ValueError as exc:
            raise InvalidInput("الشهر غير صحيح.", "Invalid month.", code="invalid_period") from exc
        hijri.to_hijri(start)  # both calendars must be able to show it
    return Period(start, end, calendar, year, month)


def current_month(today: date) -> Period:
    h = hijri.to_hijri(today)
    return month_period(h.year, h.month, HIJRI)


def parse_period(period: str | None, start: str | None, end: str | None, *, today: date) -> Period:
    """`period=1447-05` (a Hijri month: the year is below 1600) or `period=2025-11` (a
    Gregorian month); or `from` and `to` (any date `core.hijri.parse_date` reads); else the
    current Hijri month."""
    if start or end:
        if not (start and end):
            raise InvalidInput(
                "حدد بداية الفترة ونهايتها معاً.",
                "Give both the start and the end of the period.",
                code="invalid_period",
            )
        first, last = hijri.parse_date(start), hijri.parse_date(end)
        if last < first:
            raise InvalidInput(
                "نهاية الفترة قبل بدايتها.",
                "The period ends before it starts.",
                code="period_reversed",
            )
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise InvalidInput(
                "الفترة أطول من خمس سنوات؛ اختر فترة أقصر.",
                "The period is longer than five years; choose a shorter one.",
                code="period_too_long",
            )
        return Period(first, last, RANGE)
    if not period:
        return current_month(today)
    text = fold_digits(str(period)[:16]).strip()
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise InvalidInput(
            "صيغة الشهر غير صحيحة؛ اكتبه 1447-05 (هجري) أو 2025-11 (ميلادي).",
            "Invalid month; write 1447-05 (Hijri) or 2025-11 (Gregorian).",
            code="invalid_period",
        )
    year, month = int(parts[0]), int(parts[1])
    calendar = HIJRI if year < hijri.HIJRI_YEAR_LIMIT else GREGORIAN
    return month_period(year, month, calendar)


def trend_months(period: Period, count: int = 12) -> list[Period]:
    """The `count` months ending with the period's last month, in the period's calendar
    (Hijri for ranges)."""
    calendar = GREGORIAN if period.calendar == GREGORIAN else HIJRI
    if calendar == HIJRI:
        h = hijri.to_hijri(period.end)
        last = month_period(h.year, h.month, HIJRI)
    else:
        last = month_period(period.end.year, period.end.month, GREGORIAN)
    months = []
    for back in range(count - 1, -1, -1):
        try:
            months.append(last.shifted(-back))
        except InvalidInput:  # before the first month both calendars can show
            continue
    return months
