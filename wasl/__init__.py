"""Wasl (وصل): a platform for government transactions."""

__version__ = "0.1.0"
