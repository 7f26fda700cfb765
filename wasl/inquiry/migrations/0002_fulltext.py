"""The full-text index over inquiry_document, one per database vendor.

SQLite: an external-content FTS5 table (the analysed text lives once, in inquiry_document),
kept in step by triggers. The text is already normalised, tokenised and stemmed in Python
(FTS5's `unicode61` breaks voweled Arabic), so the `ascii` tokenizer, which splits on ASCII
spaces and punctuation only and keeps every other character inside a token, is exactly right
and the fastest. `detail=column` keeps no positions: the queries never ask for phrases.

PostgreSQL: a generated tsvector with the `simple` configuration (the text is already
normalised) and a GIN index; columns are weighted A (subject), B (body), C (stems),
D (scope) so that queries can restrict a lexeme to its column.
"""

from django.db import migrations

from wasl.vendor_sql import run_for_vendor

SQLITE_UP = [
    """CREATE VIRTUAL TABLE inquiry_fts USING fts5(
        subject, body, stems, scope,
        content='inquiry_document', content_rowid='transaction_id',
        tokenize='ascii', detail=column
    )""",
    """CREATE TRIGGER inquiry_document_ai AFTER INSERT ON inquiry_document BEGIN
        INSERT INTO inquiry_fts(rowid, subject, body, stems, scope)
        VALUES (new.transaction_id, new.subject, new.body, new.stems, new.scope);
    END""",
    """CREATE TRIGGER inquiry_document_ad AFTER DELETE ON inquiry_document BEGIN
        INSERT INTO inquiry_fts(inquiry_fts, rowid, subject, body, stems, scope)
        VALUES ('delete', old.transaction_id, old.subject, old.body, old.stems, old.scope);
    END""",
    """CREATE TRIGGER inquiry_document_au AFTER UPDATE ON inquiry_document BEGIN
        INSERT INTO inquiry_fts(inquiry_fts, rowid, subject, body, stems, scope)
        VALUES ('delete', old.transaction_id, old.subject, old.body, old.stems, old.scope);
        INSERT INTO inquiry_fts(rowid, subject, body, stems, scope)
        VALUES (new.transaction_id, new.subject, new.body, new.stems, new.scope);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS inquiry_document_au",
    "DROP TRIGGER IF EXISTS inquiry_document_ad",
    "DROP TRIGGER IF EXISTS inquiry_document_ai",
    "DROP TABLE IF EXISTS inquiry_fts",
]

POSTGRES_UP = [
    """ALTER TABLE inquiry_document ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, subject), 'A')
        || setweight(to_tsvector('simple'::regconfig, body), 'B')
        || setweight(to_tsvector('simple'::regconfig, stems), 'C')
        || setweight(to_tsvector('simple'::regconfig, scope), 'D')
    ) STORED""",
    "CREATE INDEX inquiry_document_vector ON inquiry_document USING GIN (vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS inquiry_document_vector",
    "ALTER TABLE inquiry_document DROP COLUMN IF EXISTS vector",
]


class Migration(migrations.Migration):
    dependencies = [("inquiry", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run_for_vendor({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
