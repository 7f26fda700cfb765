"""A token of the directory's version, changed by triggers on every change of nodes,
members, keys and entities (wasl.exchange.lookup.directory keeps what it read while it holds)."""

from django.db import migrations, models

from wasl.vendor_sql import run_for_vendor

TABLES = ("exchange_node", "exchange_member", "exchange_memberkey", "directory_entity")

SQLITE_NEW_TOKEN = (
    "INSERT OR REPLACE INTO exchange_directoryversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)
SQLITE = [
    f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} "
    f"BEGIN {SQLITE_NEW_TOKEN}; END"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_version"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION exchange_directory_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO exchange_directoryversion (id, token)
        VALUES (1, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END $$""",
    *(
        f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION exchange_directory_changed()"
        for table in TABLES
    ),
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS exchange_directory_changed()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectoryVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "إصدار الدليل",
            },
        ),
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE, "postgresql": POSTGRES}),
            run_for_vendor({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
