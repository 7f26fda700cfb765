"""`wasl reindex`: rebuild the unified inquiry's search index, with a progress bar."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wasl.inquiry.reindex import reindex


def progress_bar(out: Any, label: str = "") -> Any:
    """A function `(done, total)` that redraws one line on `out` (a file, or a command's
    OutputWrapper): a bar, counts, rate and time left; one line per call when not a terminal."""
    started = time.monotonic()
    tty = bool(getattr(out, "isatty", lambda: False)())
    raw = getattr(out, "_out", out)  # OutputWrapper appends a newline to every write

    def show(done: int, total: int) -> None:
        width = 30
        fraction = done / total if total else 1.0
        filled = int(width * fraction)
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        line = (
            f"{label}[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
            f"{fraction:6.1%}  {rate:,.0f}/s  {elapsed:5.0f}s elapsed, ~{left:4.0f}s left"
        )
        raw.write(("\r" + line) if tty else line + "\n")
        if tty and done >= total:
            raw.write("\n")
        raw.flush()

    return show


class Command(BaseCommand):
    help = "Rebuild the search index of the unified inquiry (every transaction, in batches)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="documents per transaction")
        parser.add_argument(
            "--missing",
            action="store_true",
            help="only transactions without a current document (missing, or of an older analysis)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that analyse the texts (default: one per core for a large "
            "rebuild; 0: none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, min(int(options["batch"]), 50_000))
        started = time.monotonic()
        quiet = options["verbosity"] == 0
        bar = None if quiet else progress_bar(self.stdout)
        workers = options["workers"]
        if workers is not None:
            workers = max(0, min(int(workers), 64))
        count = reindex(batch=batch, only_missing=options["missing"], progress=bar, workers=workers)
        if not quiet:
            self.stdout.write(
                f"Indexed {count:,} transactions in {time.monotonic() - started:.1f} s."
            )
