"""The vocabulary of the index (inquiry_word) and its trigram index, for one-letter slips and
"did you mean".

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: the database owner may create
it) and a GIN trigram index on the word, so that `word % %s` finds similar words.
SQLite: an FTS5 table with the `trigram` tokenizer (SQLite 3.34+) over the same words, kept
in step by triggers (one row per new word: inserts that are ignored because the word is known
fire nothing).

The vocabulary is filled by a trigger on inquiry_document, on both databases, so that
registering a transaction costs no extra statement: the words of the subject and body columns
(already normalised, space-separated, letters and digits only — see documents.py) of three to
forty characters, without digits, and not a hashed stand-in (`zx` + 16 hex digits). New words
are inserted in sorted order, so that two registrations adding the same new words wait for each
other instead of deadlocking.
"""

from django.db import migrations, models

from wasl.vendor_sql import run_for_vendor

# The words are stored padded, `^^word$`, as pg_trgm pads them ("  word "), so that a word
# of four letters with a slip in the middle still shares the trigrams of its ends.
# The columns hold safe tokens (no quote, no backslash) joined by single spaces: as a JSON array
# they split into their words. Known words are left out with NOT EXISTS, not INSERT OR IGNORE:
# inside a trigger, the conflict clause of the statement that fired it (the indexer's upsert,
# ABORT) overrides the trigger's own.
_SQLITE_WORDS = """INSERT INTO inquiry_word(word)
        SELECT DISTINCT value FROM json_each(
            '["' || replace(trim(new.subject || ' ' || new.body), ' ', '","') || '"]'
        )
        WHERE length(value) BETWEEN 3 AND 40 AND value NOT GLOB '*[0-9]*'
            AND NOT (substr(value, 1, 2) = 'zx' AND length(value) = 18)
            AND NOT EXISTS (SELECT 1 FROM inquiry_word w WHERE w.word = value)
        ORDER BY value;"""

SQLITE_UP = [
    "CREATE VIRTUAL TABLE inquiry_word_trigrams USING fts5(word, tokenize='trigram')",
    """CREATE TRIGGER inquiry_word_ai AFTER INSERT ON inquiry_word BEGIN
        INSERT INTO inquiry_word_trigrams(rowid, word) VALUES (new.id, '^^' || new.word || '$');
    END""",
    """CREATE TRIGGER inquiry_word_ad AFTER DELETE ON inquiry_word BEGIN
        DELETE FROM inquiry_word_trigrams WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER inquiry_document_words_ai AFTER INSERT ON inquiry_document BEGIN
        {_SQLITE_WORDS}
    END""",
    # An upsert that finds the document updates it: UPDATE triggers fire, not INSERT ones.
    f"""CREATE TRIGGER inquiry_document_words_au AFTER UPDATE OF subject, body
        ON inquiry_document BEGIN
        {_SQLITE_WORDS}
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS inquiry_document_words_au",
    "DROP TRIGGER IF EXISTS inquiry_document_words_ai",
    "DROP TRIGGER IF EXISTS inquiry_word_ad",
    "DROP TRIGGER IF EXISTS inquiry_word_ai",
    "DROP TABLE IF EXISTS inquiry_word_trigrams",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX inquiry_word_trigrams ON inquiry_word USING GIN (word gin_trgm_ops)",
    """CREATE FUNCTION inquiry_document_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO inquiry_word(word)
        SELECT DISTINCT w FROM regexp_split_to_table(NEW.subject || ' ' || NEW.body, ' ') AS w
        WHERE length(w) BETWEEN 3 AND 40 AND w !~ '[0-9]'
            AND NOT (left(w, 2) = 'zx' AND length(w) = 18)
        ORDER BY w
        ON CONFLICT (word) DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER inquiry_document_words AFTER INSERT OR UPDATE OF subject, body
        ON inquiry_document FOR EACH ROW EXECUTE FUNCTION inquiry_document_words()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS inquiry_document_words ON inquiry_document",
    "DROP FUNCTION IF EXISTS inquiry_document_words()",
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
