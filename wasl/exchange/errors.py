"""The exchange's error codes: one table, so that the HTTP endpoints, the worker and the
staff API agree on what each code means and whether the sender should try again."""

from __future__ import annotations

from typing import Any

from wasl.core.errors import WaslError

# code -> (HTTP status, Arabic, English, retryable by the sender)
CODES: dict[str, tuple[int, str, str, bool]] = {
    # Shape and size
    "envelope_too_large": (
        413,
        "حجم الرسالة أكبر من المسموح.",
        "The message is larger than allowed.",
        False,
    ),
    "batch_too_large": (
        413,
        "حجم الدفعة أو عدد رسائلها أكبر من المسموح.",
        "The batch is larger than allowed or holds too many messages.",
        False,
    ),
    "bad_json": (400, "الرسالة ليست JSON صحيحاً.", "The message is not valid JSON.", False),
    "bad_base64": (
        400,
        "قيمة بترميز base64 غير صحيحة.",
        "A base64 value is not valid.",
        False,
    ),
    "missing_field": (400, "حقل مطلوب مفقود.", "A required field is missing.", False),
    "invalid_field": (400, "قيمة حقل غير صحيحة.", "A field has a value that is not valid.", False),
    "unsupported_version": (
        400,
        "إصدار الرسالة غير مدعوم.",
        "The message version is not supported.",
        False,
    ),
    # Authenticity
    "unknown_member": (
        403,
        "الجهة المرسلة ليست عضواً في دليل وصل لدى هذه العقدة.",
        "The sender is not a member in this node's directory.",
        True,
    ),
    "member_revoked": (
        403,
        "عضوية الجهة المرسلة ملغاة.",
        "The sender's membership has been revoked.",
        False,
    ),
    "unknown_key": (
        403,
        "مفتاح التوقيع غير معروف لهذه العقدة.",
        "The signing key is not known to this node.",
        True,
    ),
    "key_not_of_sender": (
        403,
        "مفتاح التوقيع لا يخص الجهة المرسلة.",
        "The signing key does not belong to the sender.",
        False,
    ),
    "key_revoked": (403, "مفتاح التوقيع ملغى.", "The signing key has been revoked.", False),
    "key_not_valid_at_signing": (
        403,
        "مفتاح التوقيع لم يكن سارياً وقت التوقيع.",
        "The signing key was not valid when the message was signed.",
        False,
    ),
    "bad_signature": (
        403,
        "التوقيع غير صحيح: الرسالة عُدّلت أو وُقّعت بمفتاح آخر.",
        "The signature does not verify: the message was altered or signed with another key.",
        False,
    ),
    "clock_skew": (
        400,
        "وقت توقيع الرسالة في المستقبل أبعد من المسموح.",
        "The message was signed too far in the future.",
        True,
    ),
    "envelope_expired": (
        400,
        "الرسالة أقدم من المدة المقبولة.",
        "The message is older than accepted.",
        False,
    ),
    # Addressing and order
    "unknown_receiver": (
        404,
        "الجهة المستقبلة ليست مستضافة في هذه العقدة.",
        "The receiver is not hosted on this node.",
        True,
    ),
    "receiver_revoked": (
        403,
        "عضوية الجهة المستقبلة ملغاة.",
        "The receiver's membership has been revoked.",
        False,
    ),
    "message_id_conflict": (
        409,
        "رقم الرسالة مستخدم لرسالة أخرى بمحتوى مختلف.",
        "This message id was already used for a different message.",
        False,
    ),
    "out_of_order": (
        409,
        "وصلت الرسالة قبل رسالة سابقة لها؛ تُعاد لاحقاً.",
        "The message arrived before an earlier one it depends on; send it again later.",
        True,
    ),
    "stale_status": (
        409,
        "حالة أقدم من حالة سبق تطبيقها.",
        "A status older than one already applied.",
        False,
    ),
    "unknown_message": (
        404,
        "لا توجد رسالة بهذا الرقم.",
        "No such message.",
        False,
    ),
    "attachments_missing": (
        409,
        "لم تصل ملفات بعض المرفقات بعد.",
        "Some attachments' files have not arrived yet.",
        True,
    ),
    "attachment_mismatch": (
        400,
        "الملف المرسل لا يطابق البصمة المعلنة.",
        "The file sent does not match the declared hash.",
        False,
    ),
    "letter_refused": (
        422,
        "رفضت الجهة المستقبلة تسجيل الخطاب.",
        "The receiving entity refused to register the letter.",
        False,
    ),
    "no_inbox_unit": (
        503,
        "لم تُحدد إدارة الاتصالات الإدارية للجهة المستقبلة.",
        "The receiving entity has no registry unit for incoming letters.",
        True,
    ),
    # Load
    "rate_limited": (
        429,
        "رسائل كثيرة من هذه الجهة؛ أعد المحاولة لاحقاً.",
        "Too many messages from this sender; try again later.",
        True,
    ),
    "internal_error": (
        500,
        "خطأ داخلي في العقدة المستقبلة.",
        "Internal error on the receiving node.",
        True,
    ),
    # Transport (seen by the sender only)
    "unreachable": (
        503,
        "تعذر الوصول إلى عقدة الجهة المستقبلة.",
        "The receiving node could not be reached.",
        True,
    ),
    "bad_response": (
        502,
        "ردّ غير مفهوم من العقدة المستقبلة.",
        "The receiving node gave an answer that could not be understood.",
        True,
    ),
    "bad_receipt": (
        502,
        "إشعار الاستلام غير صحيح أو غير موقّع من الجهة المستقبلة.",
        "The receipt is not valid or not signed by the receiver.",
        True,
    ),
    # A receipt posted on its own (POST /exchange/v1/receipts) that does not verify: the
    # peer's fault, not a bad answer from upstream as `bad_receipt` is for the worker.
    "receipt_not_valid": (
        403,
        "إشعار الاستلام غير صحيح أو غير موقّع من الجهة المستقبلة.",
        "The receipt is not valid or not signed by the receiver.",
        False,
    ),
    "gave_up": (
        504,
        "توقفت المحاولات بعد انقضاء المدة.",
        "Delivery was given up after the retry period.",
        False,
    ),
}


class ExchangeError(WaslError):
    """A refusal of the exchange: a stable code, both languages, and whether to retry."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        field: str | None = None,
        retry_after: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        status, ar, en, retryable = CODES[code]
        if detail:
            en = f"{en} ({detail})"
        super().__init__(ar, en, code=code, field=field, status=status)
        self.retryable = retryable
        self.retry_after = retry_after
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:  # type: ignore[override]
        body: dict[str, Any] = {**super().as_dict(), "retryable": self.retryable}
        body.update(self.extra)
        return body


def is_retryable(code: str) -> bool:
    entry = CODES.get(code)
    return True if entry is None else entry[3]
