"""The default SMS templates, Arabic and English, per step (written by migration 0002, which
keeps its own frozen copy; `ensure_defaults` puts back any that is missing), and the default
e-mail texts (used while an entity has no e-mail template of its own), with their subjects."""

from __future__ import annotations

from .models import Template
from .states import Channel

SMS = {
    "registered": (
        "وصل: سجلت معاملتكم لدى {entity} برقم {reference}. احتفظوا بالرقم للاستعلام عنها.",
        "Wasl: your matter was registered with {entity} under {reference}. Keep this number to follow it up.",
    ),
    "referred": (
        "وصل: أحيلت معاملتكم {reference} إلى الإدارة المختصة لدراستها.",
        "Wasl: your matter {reference} has been referred to the competent department.",
    ),
    "answered": (
        "وصل: صدرت الإفادة على معاملتكم {reference}. استعلموا بالرقم أو راجعوا {entity}.",
        "Wasl: the answer on your matter {reference} is ready. Inquire with the number or contact {entity}.",
    ),
    "closed": (
        "وصل: أغلقت معاملتكم {reference} لدى {entity}.",
        "Wasl: your matter {reference} with {entity} has been closed.",
    ),
}

EMAIL = {
    "registered": (
        "سُجّلت معاملتكم لدى {entity} برقم {reference}.\nاحتفظوا بالرقم للاستعلام عنها، ويمكنكم الرد على هذه الرسالة بما يخص المعاملة.",
        "Your matter was registered with {entity} under {reference}.\nKeep this number to follow it up; you may answer this e-mail about it.",
    ),
    "referred": (
        "أحيلت معاملتكم {reference} إلى الإدارة المختصة لدى {entity} لدراستها.\nيمكنكم الرد على هذه الرسالة بما يخص المعاملة.",
        "Your matter {reference} has been referred to the competent department of {entity}.\nYou may answer this e-mail about it.",
    ),
    "answered": (
        "صدرت الإفادة على معاملتكم {reference} لدى {entity}.\nاستعلموا بالرقم أو ردوا على هذه الرسالة.",
        "The answer on your matter {reference} with {entity} is ready.\nInquire with the number or answer this e-mail.",
    ),
    "closed": (
        "أغلقت معاملتكم {reference} لدى {entity}.",
        "Your matter {reference} with {entity} has been closed.",
    ),
    "received": (
        "وصلت رسالتكم وأضيفت إلى معاملتكم {reference} لدى {entity}، وستطلع عليها الإدارة التي لديها المعاملة.\nهذه رسالة آلية.",
        "Your e-mail was received and added to your matter {reference} with {entity}; the department that holds it will read it.\nThis is an automatic answer.",
    ),
}
# The subject of each step's e-mail, after the reference (the reference leads every subject:
# an answer that keeps the subject finds its matter even without the thread's headers).
SUBJECT = {
    "registered": ("تسجيل معاملتكم", "Your matter is registered"),
    "referred": ("إحالة معاملتكم", "Your matter is referred"),
    "answered": ("صدرت الإفادة", "The answer is ready"),
    "closed": ("إغلاق معاملتكم", "Your matter is closed"),
    "received": ("وصلت رسالتكم", "Your e-mail was received"),
    "reply": ("رد على رسالتكم", "An answer to your e-mail"),
}


def ensure_defaults() -> int:
    """Write the default templates that are missing; returns how many were."""
    made = 0
    for step, (ar, en) in SMS.items():
        for language, body in (("ar", ar), ("en", en)):
            _, created = Template.objects.get_or_create(
                entity=None,
                step=step,
                channel=Channel.SMS,
                language=language,
                defaults={"body": body},
            )
            made += created
    return made
