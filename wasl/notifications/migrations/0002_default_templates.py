"""Wrote copies of the default SMS texts as rows with no entity. The texts are declared once,
in code (`wasl.notifications.defaults`); this migration now writes nothing, and 0004 removes
the copies it wrote on databases that ran it before."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations: list[migrations.operations.base.Operation] = []
