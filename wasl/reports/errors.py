"""The refusals of Balagh 940, each with a stable code and a message in Arabic and English."""

from __future__ import annotations

from wasl.core.errors import Conflict, Forbidden, InvalidInput


class OutsideServiceArea(InvalidInput):
    code = "outside_service_area"
    message_ar = (
        "الموقع المحدد خارج نطاق الخدمة: لا يقع في أي بلدية فرعية تخدمها أمانة جدة أو أمانة "
        "العاصمة المقدسة (قد يكون في البحر أو خارج المنطقة). حدد موقع البلاغ على الخريطة من جديد."
    )
    message_en = (
        "The location is outside the service area: it lies in no sub-municipality served by "
        "the Jeddah or Holy Capital amanah (it may be at sea or outside the region). "
        "Pick the report's location on the map again."
    )


class NoReceivingUnit(Conflict):
    code = "no_receiving_unit"
    message_ar = "لا توجد إدارة مستقبلة لهذه الفئة في هذا النطاق؛ أبلغ مسؤول المنصة."
    message_en = "No unit receives this category in this area; tell the platform administrator."


class ProofRequired(InvalidInput):
    code = "proof_required"
    message_ar = (
        "لا يُغلق البلاغ إلا بصورة تثبت الإصلاح وملاحظة من الموظف؛ أغلقه من صفحة «إغلاق بإثبات»."
    )
    message_en = (
        "A report is closed only with a photo proving the fix and a note from staff; close it "
        "from its 'close with proof' page."
    )


class ReportNotOpen(Conflict):
    code = "report_not_open"
    message_ar = "البلاغ ليس مفتوحاً الآن (ربما أُغلق من قبل)؛ لم يتغير شيء."
    message_en = "The report is not open now (it may already be closed); nothing was changed."


class ReportNotClosed(Conflict):
    code = "report_not_closed"
    message_ar = "لا يؤكَّد البلاغ أو يُعاد فتحه إلا بعد إغلاقه، ومرة واحدة."
    message_en = "A report is confirmed or reopened only after it is closed, and only once."


class FeedbackWindowOver(Conflict):
    code = "feedback_window_over"
    message_ar = (
        "انقضت المدة المتاحة لتأكيد الإصلاح أو إعادة فتح البلاغ؛ قدّم بلاغاً جديداً إن عادت المشكلة."
    )
    message_en = (
        "The time to confirm the fix or reopen the report is over; submit a new report if the "
        "problem is back."
    )


class AlreadyRated(Conflict):
    code = "already_rated"
    message_ar = "قُيّمت الخدمة في هذا البلاغ من قبل."
    message_en = "The service on this report has already been rated."


class NotTheReporter(Forbidden):
    code = "not_the_reporter"
    message_ar = "هذا الإجراء لمقدّم البلاغ وحده (بحسابه أو بمفتاح المتابعة الذي أُعطي له)."
    message_en = (
        "Only the reporter may do this (signed in, or with the follow-up key they were given)."
    )


class ContactRequired(InvalidInput):
    code = "contact_required"
    message_ar = "لنخبرك بنتيجة البلاغ أعطنا رقم جوال أو بريداً إلكترونياً، أو سجّل الدخول."
    message_en = (
        "To be told of the report's outcome, give a mobile number or an e-mail address, or sign in."
    )


class MergeIntoItself(InvalidInput):
    code = "merge_into_itself"
    message_ar = "لا يُدمج البلاغ في نفسه؛ اختر البلاغ الأول الذي سبق الإبلاغ فيه."
    message_en = "A report cannot be merged into itself; choose the report filed first."


class MergeIntoClosed(Conflict):
    code = "merge_into_closed"
    message_ar = (
        "البلاغ المراد الضم إليه مغلق (أو ضُم هو نفسه إلى غيره)؛ لا يُضم بلاغ إلا إلى بلاغ مفتوح."
    )
    message_en = (
        "The report to merge into is closed (or was itself merged into another); a report is "
        "merged only into an open one."
    )


class MergeAcrossCategories(InvalidInput):
    code = "merge_across_categories"
    message_ar = "البلاغان من فئتين مختلفتين؛ لا يُدمجان إلا إذا أكدت أنهما المشكلة نفسها."
    message_en = (
        "The two reports are of different categories; they are merged only if you confirm "
        "that they are the same problem."
    )
