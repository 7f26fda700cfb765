"""Django's SQLite backend with its placeholders converted once per statement text (base.py)."""
