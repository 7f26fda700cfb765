"""Errors that carry a stable code and a message in Arabic and English.

Services raise these; the API turns them into
``{"code": ..., "message_ar": ..., "message_en": ...}`` with ``status``, and pages show
the message in the person's language. Framework-free on purpose.
"""

from __future__ import annotations


class WaslError(Exception):
    """Base of every error a person may see."""

    status = 400
    code = "error"
    message_ar = "تعذّر إتمام الطلب."
    message_en = "The request could not be completed."

    def __init__(
        self,
        message_ar: str | None = None,
        message_en: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        if message_ar is not None:
            self.message_ar = message_ar
        if message_en is not None:
            self.message_en = message_en
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        super().__init__(f"{self.code}: {self.message_en}")

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message_ar": self.message_ar, "message_en": self.message_en}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(WaslError):
    """The shape or content of the input is wrong (400)."""

    status = 400
    code = "invalid_input"
    message_ar = "البيانات المدخلة غير صحيحة."
    message_en = "The input is not valid."


class NotFound(WaslError):
    """Missing, or not visible to this person: the two look the same (404)."""

    status = 404
    code = "not_found"
    message_ar = "العنصر المطلوب غير موجود."
    message_en = "Not found."


class Forbidden(WaslError):
    """Visible, but this person may not do this (403)."""

    status = 403
    code = "forbidden"
    message_ar = "لا تملك صلاحية تنفيذ هذا الإجراء."
    message_en = "You are not allowed to do this."


class InvalidTransition(WaslError):
    """The step is not allowed from the current state (409)."""

    status = 409
    code = "invalid_transition"
    message_ar = "لا يمكن تنفيذ هذا الإجراء في الحالة الحالية للمعاملة."
    message_en = "This step is not allowed in the transaction's current state."


class Conflict(WaslError):
    status = 409
    code = "conflict"
    message_ar = "تعارض مع بيانات موجودة."
    message_en = "This conflicts with existing data."


class TooLarge(WaslError):
    status = 413
    code = "too_large"
    message_ar = "حجم البيانات أكبر من المسموح."
    message_en = "The data is larger than allowed."


class TooManyAttempts(WaslError):
    """Too many attempts in a short time (429): the one wording, whoever refuses (a limiter's
    error, or the API's answer to a 429 made without a message of its own)."""

    status = 429
    code = "too_many_attempts"
    message_ar = "محاولات كثيرة خلال وقت قصير؛ انتظر قليلاً ثم أعد المحاولة."
    message_en = "Too many attempts in a short time; wait a little and try again."
