"""SMS text as the network carries it: GSM-7 or UCS-2, counted in parts before sending.

A message is sent in GSM 03.38's 7-bit alphabet when every character is in it (160 septets in
one part, 153 per part of a longer message: the rest of each part is the concatenation header)
and in UCS-2 otherwise (70 UTF-16 units, 67 per part). Arabic is always UCS-2: its letters are
not in the 7-bit alphabet, and an Arabic message made only of digits and Latin signs is sent
as UCS-2 too, so that a template never changes encoding with the values put into it. A
character of the 7-bit extension table (€, [, ], {, }, …) takes two septets, and a character
outside the Basic Multilingual Plane two UTF-16 units; neither pair is ever split between two
parts, as handsets would show garbage — so parts are counted by filling them, not by dividing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# (one part, each part of a concatenated message), in the encoding's units
LIMITS: dict[Encoding, tuple[int, int]] = {"gsm7": (160, 153), "ucs2": (70, 67)}


@dataclass(frozen=True)
class Segments:
    """How a text travels: its encoding, its length in that encoding's units, its parts."""

    encoding: Encoding
    units: int
    parts: int

    @property
    def per_part(self) -> int:
        single, multi = LIMITS[self.encoding]
        return single if self.parts <= 1 else multi


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding_for(text: str, language: str = "") -> Encoding:
    """UCS-2 for Arabic messages and for any text the 7-bit alphabet cannot carry."""
    if language == "ar" or not is_gsm7(text):
        return "ucs2"
    return "gsm7"


def _costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "gsm7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count(text: str, language: str = "") -> Segments:
    """The encoding, units and parts of `text` (an empty text is one empty part)."""
    encoding = encoding_for(text, language)
    costs = _costs(text, encoding)
    units = sum(costs)
    single, multi = LIMITS[encoding]
    if units <= single:
        return Segments(encoding, units, 1)
    parts, filled = 1, 0
    for cost in costs:
        if filled + cost > multi:
            parts += 1
            filled = 0
        filled += cost
    return Segments(encoding, units, parts)
