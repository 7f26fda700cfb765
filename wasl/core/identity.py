"""Saudi identifiers: national ID / iqama numbers, mobile numbers, commercial registrations.

Every function takes what a person typed (Arabic or Persian digits from a phone keyboard,
spaces, dashes) and returns the one ASCII form that is stored and compared, so that the same
number can never be stored twice under two spellings.
"""

from __future__ import annotations

import re
from typing import Literal

import phonenumbers

from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput

IdKind = Literal["citizen", "resident"]

# Anything longer is not an identifier someone typed; refusing it first keeps the work bounded.
_MAX_INPUT = 32
# Spaces and dashes people type to group digits, and the direction marks right-to-left pages
# wrap numbers in.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u200e\u200f\u061c]")
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_NINE_DIGITS = re.compile(r"[12][0-9]{8}")
_PHONE_CHARS = re.compile(r"\+?[0-9\s().\-]+")
_E164_MOBILE = re.compile(r"\+9665[0-9]{8}")

_ID_KINDS: dict[str, IdKind] = {"1": "citizen", "2": "resident"}


def _compact(value: object) -> str | None:
    """ASCII digits of ``value`` with separators removed; None when it is not usable text."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    if len(text) > _MAX_INPUT:
        return None
    return _SEPARATORS.sub("", fold_digits(text))


def _luhn_sum(digits: str) -> int:
    """Luhn sum of ``digits``, doubling every second digit counting from the right."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total


def _bad_id(ar: str, en: str) -> InvalidInput:
    return InvalidInput(
        f"رقم الهوية غير صحيح: {ar}",
        f"Invalid national ID / iqama number: {en}",
        code="invalid_national_id",
    )


def validate_national_id(value: object) -> str:
    """The 10 ASCII digits of a national ID (starts with 1) or iqama (starts with 2).

    Digits are folded and spaces and dashes removed; the last digit is a Luhn check digit
    over all ten. InvalidInput ``invalid_national_id`` says which rule failed.
    """
    digits = _compact(value)
    if digits is None or not _TEN_DIGITS.fullmatch(digits):
        raise _bad_id("يجب أن يتكوّن من 10 أرقام.", "it must be exactly 10 digits.")
    if digits[0] not in _ID_KINDS:
        raise _bad_id(
            "يجب أن يبدأ بالرقم 1 للمواطن أو 2 للمقيم.",
            "it must start with 1 (citizen) or 2 (resident).",
        )
    if _luhn_sum(digits) % 10:
        raise _bad_id(
            "رقم التحقق (الرقم الأخير) لا يطابق؛ تأكد من كتابة الرقم كاملاً.",
            "the check digit (the last one) does not match; check for a typing mistake.",
        )
    return digits


def id_kind(valid_id: str) -> IdKind:
    """``citizen`` for a national ID (1…), ``resident`` for an iqama (2…)."""
    return _ID_KINDS[validate_national_id(valid_id)[0]]


def make_national_id(prefix_digits: str) -> str:
    """Complete nine digits starting with 1 or 2 into a valid ID by adding the check digit."""
    prefix = _compact(prefix_digits)
    if prefix is None or not _NINE_DIGITS.fullmatch(prefix):
        raise _bad_id(
            "يلزم 9 أرقام تبدأ بـ 1 أو 2.", "nine digits starting with 1 or 2 are needed."
        )
    # The check digit is the one that brings the sum of all ten to a multiple of ten; the
    # prefix's digits shift one place left once it is appended, hence the "0" placeholder.
    check = (10 - _luhn_sum(prefix + "0") % 10) % 10
    return f"{prefix}{check}"


def normalise_phone(value: object) -> str:
    """A Saudi mobile number in E.164, ``+9665XXXXXXXX``.

    Accepts 05XXXXXXXX, 5XXXXXXXX, +9665…, 009665…, 9665…, with Arabic digits, spaces,
    dashes or brackets. Landlines, other countries and invalid prefixes (052…) raise
    InvalidInput ``invalid_phone``.
    """
    error = InvalidInput(
        "رقم الجوال غير صحيح؛ اكتبه بالصيغة 05XXXXXXXX.",
        "Invalid mobile number; write it as 05XXXXXXXX.",
        code="invalid_phone",
    )
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        raise error
    text = fold_digits(value).strip().replace("\u200e", "").replace("\u200f", "")
    # phonenumbers also reads letters (vanity numbers) and extensions; a mobile has neither.
    if not _PHONE_CHARS.fullmatch(text):
        raise error
    try:
        number = phonenumbers.parse(text, "SA")
    except phonenumbers.NumberParseException as exc:
        raise error from exc
    if (
        number.country_code != 966
        or number.extension
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise error
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Belt and braces: whatever phonenumbers' metadata says, only this shape is stored.
    if not _E164_MOBILE.fullmatch(e164):
        raise error
    return e164


def validate_cr(value: object) -> str:
    """A commercial registration number: 10 ASCII digits after folding and removing spaces."""
    digits = _compact(value)
    if digits is None or not _TEN_DIGITS.fullmatch(digits):
        raise InvalidInput(
            "رقم السجل التجاري يجب أن يتكوّن من 10 أرقام.",
            "The commercial registration number must be exactly 10 digits.",
            code="invalid_cr",
        )
    return digits
