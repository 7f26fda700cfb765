#!/usr/bin/env python3
"""Draw Tawasul's app icons (the portal's web app manifest) with Pillow: the mark of Wasl's
favicon (web/favicon.svg, our own drawing) in white on the portal's green.

    .venv/bin/python tools/portal_icons.py      # writes wasl/portal/static/portal/icons/*.png

The PNGs are committed; run this again only to change them. A "maskable" icon fills its whole
square (the phone cuts it to its own shape), so its mark stays inside the safe zone: the
central circle of 80 % of the side."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "wasl" / "portal" / "static" / "portal" / "icons"
GREEN = "#0b5d3b"  # --primary of web/css/wasl.css, the manifest's theme colour
WHITE = "#ffffff"
SCALE = 4  # drawn larger, then reduced: smooth edges without an antialiasing library


def mark(draw: ImageDraw.ImageDraw, centre: float, unit: float) -> None:
    """The favicon's mark (drawn on a 32-unit grid around (16, 16)): a cup open at the top,
    its right side rising, and a dot above. `unit` is the size of one grid unit."""

    def at(x: float, y: float) -> tuple[float, float]:
        return (centre + (x - 16) * unit, centre + (y - 16) * unit)

    width = round(3 * unit)
    # The cup: a half circle from (9, 17) to (23, 17) below, its right side up to y = 11.
    # Pillow lays an arc's width inside its box: the box grows by half the width, so that
    # the stroke is centred on the circle of radius 7 as in the SVG.
    left, top = at(16 - 8.5, 17 - 8.5)
    right, bottom = at(16 + 8.5, 17 + 8.5)
    draw.arc((left, top, right, bottom), start=0, end=180, fill=WHITE, width=width)
    draw.line((*at(23, 17), *at(23, 11)), fill=WHITE, width=width)
    for x, y in ((9, 17), (23, 17), (23, 11)):  # round caps
        cx, cy = at(x, y)
        r = width / 2
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    cx, cy = at(16, 9)
    r = 2 * unit
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=GREEN)
        unit = big * 0.8 / 32 * 0.75  # the mark well inside the safe circle
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=GREEN)
        unit = big / 32 * 0.8
    mark(draw, big / 2, unit)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),  # iOS rounds the corners itself; no transparency
    ):
        icon(size, maskable=maskable).save(OUT / name, optimize=True)
        print(OUT / name)


if __name__ == "__main__":
    main()
