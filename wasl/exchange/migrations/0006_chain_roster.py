from django.db import migrations


def enroll_existing_chains(apps, schema_editor):
    """List and seal the message log's chains as they stand (see audit 0003)."""
    from wasl import chains

    head_model = apps.get_model("exchange", "LogHead")
    roster_model = apps.get_model("audit", "ChainRoster")
    names = sorted(head_model.objects.values_list("chain", flat=True))
    if names:
        log = head_model._meta.db_table
        roster_model.objects.create(
            log=log, chains="\n".join(names), seal=chains.seal_roster(log, names)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0005_chain_head_seal"),
        ("audit", "0003_chain_roster"),
    ]

    operations = [
        migrations.RunPython(enroll_existing_chains, migrations.RunPython.noop),
    ]
