"""The figures of the security probes, gathered into one table.

Every probe in tests/security (and the API fuzzing) asserts its own targets, so a leak or an
undetected tampering fails the test that found it. Each probe also calls `record` with what it
tried and what it saw; `make audit-security` sets WASL_SECURITY_TABLE and the session writes the
table there (docs/security.md). Figures are summed per probe when a probe records several times.
"""

from __future__ import annotations

import datetime
import os
import platform
from collections import defaultdict

COLUMNS = ("attempts", "leaks", "5xx", "undetected", "lost", "duplicated")
_figures: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))


def record(probe: str, **figures: int) -> None:
    """Add figures to a probe's row: attempts, leaks, errors_5xx, undetected, lost, duplicated."""
    row = _figures[probe]
    for name, value in figures.items():
        column = "5xx" if name == "errors_5xx" else name
        if column not in row:
            raise ValueError(f"unknown figure {name!r}; one of {COLUMNS}")
        row[column] += int(value)


def table(database: str, command: str) -> str:
    lines = [
        "# Security probes",
        "",
        f"Written by `{command}` on {datetime.date.today().isoformat()}, "
        f"{platform.machine()} with {os.cpu_count()} cores, database {database}. "
        "Every figure must be 0 except attempts; each probe is a test that fails otherwise.",
        "",
        "| probe | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for probe in sorted(_figures):
        row = _figures[probe]
        lines.append(f"| {probe} | " + " | ".join(f"{row[c]:,}" for c in COLUMNS) + " |")
    total = {c: sum(r[c] for r in _figures.values()) for c in COLUMNS}
    lines.append("| **all** | " + " | ".join(f"**{total[c]:,}**" for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def has_figures() -> bool:
    return bool(_figures)
