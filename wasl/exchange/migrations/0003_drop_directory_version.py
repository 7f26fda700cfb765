"""The directory's version token goes: its triggers (per database vendor) and its table.
The directory is read afresh for every message (wasl.exchange.lookup)."""

from django.db import migrations

from wasl.vendor_sql import run_for_vendor

TABLES = ("exchange_node", "exchange_member", "exchange_memberkey", "directory_entity")

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_version"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS exchange_directory_changed()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_directory_version"),
    ]

    operations = [
        # Going back does not bring the triggers back: nothing reads the token any more.
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            migrations.RunPython.noop,
        ),
        migrations.DeleteModel(name="DirectoryVersion"),
    ]
