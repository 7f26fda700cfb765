"""An entity may switch off a message that is not mandatory (`Template.enabled`), and the
default SMS texts live in code only: the copies 0002 wrote as rows with no entity go (nothing
else in Wasl writes such rows; the same texts are `wasl.notifications.defaults.SMS`)."""

from django.db import migrations, models


def drop_copies(apps, schema_editor):
    Template = apps.get_model("notifications", "Template")
    Template.objects.filter(entity=None, channel="sms").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_email")]

    operations = [
        migrations.AddField(
            model_name="template",
            name="enabled",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(drop_copies, migrations.RunPython.noop),
    ]
