"""Works for everyone: WCAG AA contrast of the colours the stylesheet pairs, focus that is
always visible, and session settings that pass Django's deployment checks."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "wasl" / "web" / "static" / "web" / "css" / "wasl.css"


def luminance(hex_colour: str) -> float:
    """Relative luminance, WCAG 2.x."""
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palette() -> dict[str, str]:
    text = CSS.read_text(encoding="utf-8")
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", text))


def test_the_contrast_function_agrees_with_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


# (foreground, background, minimum): 4.5 for text, 3 for focus rings and borders that
# carry meaning (WCAG 1.4.11).
PAIRS = [
    ("ink", "paper", 4.5),
    ("ink", "page", 4.5),
    ("muted", "paper", 4.5),
    ("muted", "page", 4.5),
    ("link", "paper", 4.5),
    ("primary-ink", "primary", 4.5),
    ("primary-ink", "primary-dark", 4.5),
    ("primary", "paper", 4.5),
    ("primary-dark", "primary-soft", 4.5),
    ("danger", "paper", 4.5),
    ("danger", "danger-soft", 4.5),
    ("warn-ink", "warn-soft", 4.5),
    ("info-ink", "info-soft", 4.5),
    ("info-ink", "paper", 4.5),
    ("focus", "paper", 3.0),
    ("focus", "page", 3.0),
    ("focus", "primary-soft", 3.0),
]


@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS)
def test_colour_pairs_pass_wcag_aa(fg: str, bg: str, minimum: float) -> None:
    colours = palette()
    assert contrast(colours[fg], colours[bg]) >= minimum, (fg, bg)


def test_focus_is_never_hidden() -> None:
    text = CSS.read_text(encoding="utf-8")
    assert ":focus-visible" in text
    assert "outline: none" not in text.replace("main:focus {\n  outline: none;", "")


def test_the_stylesheet_uses_logical_properties_only() -> None:
    text = CSS.read_text(encoding="utf-8")
    physical = re.findall(
        r"\b(?:margin|padding|border)-(?:left|right)\b|\b(?:left|right)\s*:|text-align:\s*(?:left|right)",
        text,
    )
    assert physical == []


def test_production_session_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WASL_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "wasl.example.gov.sa",
        "WASL_VAR_DIR": str(tmp_path),
    }
    # The browser tests allow Django's sync calls beside Playwright's event loop; a real
    # deployment never does (and the check rightly says so).
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "wasl", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
