"""The default SMS templates, Arabic and English, per step (written by migration 0002, which
keeps its own frozen copy; `ensure_defaults` puts back any that is missing)."""

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
