"""The default SMS templates, Arabic and English, per step. An entity's own rows (entity set)
win over these; editing them is the entity administrator's (issue 17, item 2)."""

from django.db import migrations

DEFAULTS = {
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


def add(apps, schema_editor):
    Template = apps.get_model("notifications", "Template")
    for step, (ar, en) in DEFAULTS.items():
        for language, body in (("ar", ar), ("en", en)):
            Template.objects.get_or_create(
                entity=None, step=step, channel="sms", language=language, defaults={"body": body}
            )


def remove(apps, schema_editor):
    apps.get_model("notifications", "Template").objects.filter(entity=None).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
