"""The texts of Jalsa's notices, as data (editable afterwards in the admin)."""

from django.db import migrations

TEXTS = {
    "jalsa_booked": (
        "وصل: حُجز موعدكم مع {official} يوم {date} الساعة {time}، رقم الطلب {reference}. "
        "يمكنكم إلغاؤه من بوابة تواصل.",
        "Wasl: your audience with {official} is booked for {date} at {time}, request "
        "{reference}. You can cancel it in the Tawasul portal.",
    ),
    "jalsa_reminder": (
        "وصل: تذكير بموعدكم مع {official} يوم {date} الساعة {time}، رقم الطلب {reference}.",
        "Wasl: a reminder of your audience with {official} on {date} at {time}, request "
        "{reference}.",
    ),
    "jalsa_cancelled": (
        "وصل: أُلغي موعدكم مع {official} يوم {date}، رقم الطلب {reference}.",
        "Wasl: your audience with {official} on {date} is cancelled, request {reference}.",
    ),
}


def write(apps, schema_editor):
    NoticeText = apps.get_model("jalsa", "NoticeText")
    for notice, (ar, en) in TEXTS.items():
        for language, body in (("ar", ar), ("en", en)):
            NoticeText.objects.get_or_create(
                notice=notice, language=language, defaults={"body": body}
            )


class Migration(migrations.Migration):
    dependencies = [("jalsa", "0001_initial")]
    operations = [migrations.RunPython(write, migrations.RunPython.noop)]
