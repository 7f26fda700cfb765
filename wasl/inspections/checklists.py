"""Checklists as data: their shape, and the answers of one inspection checked and scored.

A checklist item has a code, its text in both languages, an answer type (`AnswerType`), a
weight, a photo rule (`PhotoRule`) and, where failing it is an offence, the code of a violation
in the schedule of fines. Failing is: "no" to a yes/no item, a number above `pass_max` (or
below `pass_min`), an option marked `"pass": false`. The score is the weight passed over the
weight answered, in percent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput

from .errors import item_error
from .vocabulary import AnswerType, PhotoRule

TEXT_MAX = 2_000
YES, NO = "yes", "no"


def check_definition(data: Mapping[str, Any], violations: set[str]) -> None:
    """Refuse a checklist file whose shape is wrong (at load time, never in the field)."""
    for key in ("code", "version", "name_ar", "name_en", "items"):
        if key not in data:
            raise ValueError(f"checklist {data.get('code')}: missing {key}")
    seen: set[str] = set()
    for item in data["items"]:
        AnswerType(item["type"])
        PhotoRule(item.get("photo", PhotoRule.NONE))
        for key in ("code", "text_ar", "text_en"):
            if not item.get(key):
                raise ValueError(f"checklist {data['code']}: an item lacks {key}")
        if item["code"] in seen:
            raise ValueError(f"checklist {data['code']}: item {item['code']} twice")
        seen.add(item["code"])
        if item.get("violation") and item["violation"] not in violations:
            raise ValueError(f"checklist {data['code']}: unknown violation {item['violation']}")
        if item["type"] == AnswerType.CHOICE and not item.get("options"):
            raise ValueError(f"checklist {data['code']}: {item['code']} has no options")


@dataclass
class Result:
    """An inspection's answers as kept, its score and the items that are violations."""

    answers: dict[str, Any] = field(default_factory=dict)
    score: int = 100
    violated: list[tuple[str, str]] = field(default_factory=list)  # (item code, violation)


def evaluate(
    items: Sequence[Mapping[str, Any]],
    raw: Mapping[str, object],
    photos: Mapping[str, int],
) -> Result:
    """Check each answer against its item's type and the photos against its photo rule;
    raise for the first item that is wrong (`InvalidInput`, naming the item), else score."""
    result = Result()
    weight_answered = weight_passed = 0
    for item in items:
        code = item["code"]
        value = raw.get(code)
        answer, passed = _answer(item, value)
        result.answers[code] = answer
        failed = passed is False
        rule = item.get("photo", PhotoRule.NONE)
        if photos.get(code, 0) == 0 and (
            rule == PhotoRule.ALWAYS or (rule == PhotoRule.ON_VIOLATION and failed)
        ):
            raise item_error(
                item,
                "photo_required",
                "هذا البند يتطلب صورة؛ التقط صورة وأرفقها.",
                "this item needs a photo; take one and attach it.",
            )
        if answer is None or passed is None:
            continue
        weight = int(item.get("weight", 0))
        weight_answered += weight
        if passed:
            weight_passed += weight
        elif item.get("violation"):
            result.violated.append((code, item["violation"]))
    if weight_answered:
        result.score = math.floor(100 * weight_passed / weight_answered)
    return result


def _answer(item: Mapping[str, Any], value: object) -> tuple[Any, bool | None]:
    """The answer as kept and whether it passes (None: not scored)."""
    if value is not None and not isinstance(value, str):
        raise _wrong(item)
    text = fold_digits((value or "").strip())
    if not text:
        if item.get("required", True):
            raise item_error(
                item, "answer_required", "هذا البند مطلوب؛ أجب عنه.", "this item needs an answer."
            )
        return None, None
    kind = item["type"]
    if kind == AnswerType.YES_NO:
        if text not in (YES, NO):
            raise _wrong(item)
        return text, text == YES
    if kind == AnswerType.NUMBER:
        try:
            number: float = float(text.replace("٫", "."))
        except ValueError:
            raise _wrong(item) from None
        low, high = item.get("min", -math.inf), item.get("max", math.inf)
        if not math.isfinite(number) or not low <= number <= high:
            raise _wrong(item)
        if number.is_integer():
            number = int(number)  # kept and shown as typed: 4, not 4.0
        if "pass_max" in item:
            return number, number <= item["pass_max"]
        if "pass_min" in item:
            return number, number >= item["pass_min"]
        return number, None
    if kind == AnswerType.CHOICE:
        options = {o["value"]: o for o in item["options"]}
        if text not in options:
            raise _wrong(item)
        return text, bool(options[text].get("pass", True))
    if len(text) > TEXT_MAX:
        raise item_error(
            item,
            "answer_too_long",
            f"النص أطول من {TEXT_MAX} حرف.",
            f"the text is over {TEXT_MAX} characters.",
        )
    return text, None


def _wrong(item: Mapping[str, Any]) -> InvalidInput:
    kind = item["type"]
    if kind == AnswerType.YES_NO:
        ar, en = "الجواب «نعم» أو «لا».", "the answer is “yes” or “no”."
    elif kind == AnswerType.NUMBER:
        low, high = item.get("min"), item.get("max")
        ar = f"الجواب رقم بين {low} و{high}."
        en = f"the answer is a number from {low} to {high}."
    elif kind == AnswerType.CHOICE:
        ar = "اختر أحد الخيارات المعروضة: " + "، ".join(o["text_ar"] for o in item["options"])
        en = "choose one of the options shown: " + ", ".join(o["text_en"] for o in item["options"])
    else:
        ar, en = "الجواب نص.", "the answer is text."
    return item_error(item, "answer_wrong_type", ar, en)
