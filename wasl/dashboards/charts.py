"""The charts of the dashboards, drawn on the server as SVG geometry: horizontal bars and
monthly columns. No script and no inline style — the same drawing prints in the PDF, obeys
the pages' Content-Security-Policy, and every bar is a real link to the list behind it.
Right to left: in Arabic a bar grows from the right edge and time runs from right to left
(the oldest month on the right), as the reader's eye goes. Why not a charting library:
docs/measures.md "Charts"."""

from __future__ import annotations

from typing import Any

# Bars and columns are drawn in a 100 × 100 box (viewBox), stretched to their cell.
BOX = 100.0
COLUMN = 40.0  # each of a month's two columns; 20 units of gaps


def bar_span(share: float, *, rtl: bool) -> tuple[float, float]:
    """(x, width) of a bar that is `share` (0..1) of the longest one."""
    width = round(BOX * max(0.0, min(1.0, share)), 2)
    return (round(BOX - width, 2) if rtl else 0.0), width


def month_columns(received_share: float, completed_share: float, *, rtl: bool) -> dict[str, Any]:
    """A month's two columns, received then completed in reading order."""
    h_in = round(BOX * max(0.0, min(1.0, received_share)), 2)
    h_out = round(BOX * max(0.0, min(1.0, completed_share)), 2)
    first, second = (BOX - 5 - COLUMN, 5.0) if rtl else (5.0, BOX - 5 - COLUMN)
    return {
        "w": COLUMN,
        "x_in": first,
        "y_in": round(BOX - h_in, 2),
        "h_in": h_in,
        "x_out": second,
        "y_out": round(BOX - h_out, 2),
        "h_out": h_out,
    }
