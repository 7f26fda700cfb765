"""The vocabulary of the index (inquiry_word) and its trigram index, for one-letter slips and
"did you mean".

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: the database owner may create
it) and a GIN trigram index on the word, so that `word % %s` finds similar words.
SQLite: an FTS5 table with the `trigram` tokenizer (SQLite 3.34+) over the same words, kept
in step by triggers (one row per new word: inserts that are ignored because the word is known
fire nothing).

The indexer fills the vocabulary itself (indexer.write), with the documents.
"""

from django.db import migrations, models

from wasl.vendor_sql import run_for_vendor

# The words are stored padded, `^^word$`, as pg_trgm pads them ("  word "), so that a word
# of four letters with a slip in the middle still shares the trigrams of its ends. The two
# triggers keep the FTS5 trigram table in step with inquiry_word, as SQLite's documentation
# does for an external index (a word ignored as already known fires nothing).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE inquiry_word_trigrams USING fts5(word, tokenize='trigram')",
    """CREATE TRIGGER inquiry_word_ai AFTER INSERT ON inquiry_word BEGIN
        INSERT INTO inquiry_word_trigrams(rowid, word) VALUES (new.id, '^^' || new.word || '$');
    END""",
    """CREATE TRIGGER inquiry_word_ad AFTER DELETE ON inquiry_word BEGIN
        DELETE FROM inquiry_word_trigrams WHERE rowid = old.id;
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS inquiry_word_ad",
    "DROP TRIGGER IF EXISTS inquiry_word_ai",
    "DROP TABLE IF EXISTS inquiry_word_trigrams",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX inquiry_word_trigrams ON inquiry_word USING GIN (word gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS inquiry_word_trigrams",
]


class Migration(migrations.Migration):
    dependencies = [("inquiry", "0003_explicit_fts_writes")]

    operations = [
        migrations.CreateModel(
            name="Word",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=40, unique=True)),
            ],
            options={
                "verbose_name": "كلمة مفهرسة",
                "verbose_name_plural": "مفردات الفهرس",
            },
        ),
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run_for_vendor({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
