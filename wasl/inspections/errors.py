"""The refusals of field inspection, each with a stable code and a message in Arabic and
English. An item's refusal names the item in both languages and carries its code as `field`."""

from __future__ import annotations

from typing import Any

from wasl.core.errors import Conflict, Forbidden, InvalidInput, NotFound


class NotYourAssignment(NotFound):
    """A visit that is not the person's to see: missing and forbidden look the same."""

    code = "not_your_assignment"
    message_ar = "هذه الزيارة ليست ضمن مهامك (ربما أُسندت إلى مراقب آخر)؛ لم يُحفظ شيء."
    message_en = (
        "This visit is not among your assignments (it may have been given to another "
        "inspector); nothing was saved."
    )


class OnlyTheInspector(Forbidden):
    code = "only_the_assigned_inspector"
    message_ar = "لا يعبّئ محضر الزيارة إلا المراقب المسندة إليه."
    message_en = "Only the inspector the visit is assigned to fills in its inspection."


class OnlyTheSupervisor(Forbidden):
    code = "only_the_supervisor"
    message_ar = "إسناد الزيارات وتخطيطها لمدير وحدة الرقابة وحده."
    message_en = "Only the head of the inspection unit plans and reassigns visits."


class VisitAlreadyInspected(Conflict):
    code = "visit_already_inspected"
    message_ar = "عُبّئ محضر هذه الزيارة من قبل؛ لم يُحفظ المحضر الجديد."
    message_en = "This visit has already been inspected; the new inspection was not saved."


class KeyAlreadyUsed(Conflict):
    code = "idempotency_key_reused"
    message_ar = "مفتاح الإرسال هذا استُخدم لمحضر زيارة أخرى؛ أعد فتح نموذج الزيارة."
    message_en = "This sending key was used for another visit's inspection; open the form again."


class UnknownChecklistVersion(InvalidInput):
    code = "unknown_checklist_version"
    message_ar = "نسخة قائمة التحقق غير معروفة لهذه الزيارة؛ أعد فتح نموذج الزيارة."
    message_en = "The checklist version is not known for this visit; open the visit's form again."


class NotAnInspector(InvalidInput):
    code = "not_an_inspector"
    message_ar = "المراقب المختار ليس من مراقبي وحدة الرقابة المسؤولة عن هذه الزيارة."
    message_en = "The chosen person is not an inspector of the unit responsible for this visit."


class NoInspectionUnit(Conflict):
    code = "no_inspection_unit"
    message_ar = "لا توجد وحدة رقابة ميدانية في هذا النطاق؛ أبلغ مسؤول المنصة."
    message_en = "No field inspection unit serves this area; tell the platform administrator."


class ChecklistVersionChanged(Conflict):
    code = "checklist_version_changed"
    message_ar = "تغيّر محتوى نسخة منشورة من قائمة التحقق؛ ارفع رقم النسخة بدلاً من تعديلها."
    message_en = "A published checklist version changed; raise its version number instead."


def item_error(item: dict[str, Any], code: str, ar: str, en: str) -> InvalidInput:
    """A refusal about one checklist item, naming it in both languages."""
    return InvalidInput(
        f"«{item['text_ar']}»: {ar}",
        f"“{item['text_en']}”: {en}",
        code=code,
        field=f"item-{item['code']}",
    )
