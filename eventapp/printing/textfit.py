"""Font sizes chosen from the width text really takes in our fonts, not its length.

"Ana Li" and a 60-letter Georgian double name must both fill a badge without running off
it. Counting characters gets this wrong (Georgian letters are wider than Latin ones, "iii"
narrower than "WWW"), so each word is measured with the advance widths of the very TTF
files the PDF embeds, each character in the font that prints it (the first of
fonts.SCRIPT_FAMILIES whose unicode-range and cmap have it, as in fonts.css). Line breaks
are modelled on spaces and after hyphens: WeasyPrint breaks there too (and sometimes in
more places), so a size that fits here fits on paper. Shaping (Arabic joining, Indic
conjuncts) and kerning change widths by a few per cent, hence the SAFETY margin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from fontTools.ttLib import TTFont

from eventapp.printing.fonts import FONT_FILES, SCRIPT_FAMILIES

PT_TO_MM = 25.4 / 72
#: Share of the box width a line may take by our measure.
SAFETY = 0.94
#: Line height of names in the badge stylesheet (CSS line-height), in em: Arabic, Thai and
#: Devanagari letters reach far above and below Latin ones, and at 1.15 an Arabic given
#: name's descender touched the family name below it.
LINE_HEIGHT = 1.3
#: Width assumed for a character none of our fonts has (a CJK ideograph is 1 em).
MISSING_EM = 1.0

# Must agree with the unicode-range descriptors of static/css/fonts.css.
_RANGES = {
    "Noto Sans Georgian": ((0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x2D00, 0x2D2F)),
    "Noto Sans Armenian": ((0x0530, 0x058F), (0xFB13, 0xFB17)),
    "Noto Sans Arabic": (
        (0x0600, 0x06FF),
        (0x0750, 0x077F),
        (0x0870, 0x08FF),
        (0x200C, 0x200F),
        (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFF),
    ),
    "Noto Sans Hebrew": ((0x0590, 0x05FF), (0x200C, 0x200F), (0xFB1D, 0xFB4F)),
    "Noto Sans Thai": ((0x0E00, 0x0E7F), (0x200B, 0x200D)),
    "Noto Sans Devanagari": (
        (0x0900, 0x097F),
        (0x1CD0, 0x1CFF),
        (0x200C, 0x200D),
        (0xA830, 0xA839),
        (0xA8E0, 0xA8FF),
    ),
}
_BREAK_AFTER = re.compile(r"(?<=[\s\-\u2010\u2011\u058A\u05BE])")


@dataclass(frozen=True)
class _Metrics:
    cmap: dict[int, str]
    advances: dict[str, int]
    units_per_em: int


@cache
def _metrics(family: str, bold: bool) -> _Metrics:
    font = TTFont(FONT_FILES[family][1 if bold else 0], lazy=True)
    metrics = _Metrics(
        cmap=dict(font.getBestCmap()),
        advances={name: adv for name, (adv, _lsb) in font["hmtx"].metrics.items()},
        units_per_em=font["head"].unitsPerEm,
    )
    font.close()
    return metrics


def _in_range(family: str, codepoint: int) -> bool:
    ranges = _RANGES.get(family)
    return ranges is None or any(lo <= codepoint <= hi for lo, hi in ranges)


@cache
def char_width_em(char: str, bold: bool) -> float:
    """The advance of one character in em, in the font that prints it."""
    codepoint = ord(char)
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0  # marks sit on their base letter; joiners take no room
    for family in SCRIPT_FAMILIES:
        if not _in_range(family, codepoint):
            continue
        metrics = _metrics(family, bold)
        glyph = metrics.cmap.get(codepoint)
        if glyph is not None:
            return metrics.advances.get(glyph, 0) / metrics.units_per_em
    return MISSING_EM


def text_width_em(text: str, *, bold: bool = False) -> float:
    """The width of a run of text in em (multiply by the font size)."""
    return sum(char_width_em(c, bold) for c in text)


def lines_needed(text: str, width_em: float, *, bold: bool = False) -> int | None:
    """Lines that text takes when wrapped greedily in a box width_em wide (in em of the
    font size), or None when one unbreakable piece is wider than the box."""
    pieces = [p for p in _BREAK_AFTER.split(text.strip()) if p]
    lines, used = 1, 0.0
    for piece in pieces:
        width = text_width_em(piece, bold=bold)
        # A trailing space hangs past the end of a line; it only counts inside one.
        visible = text_width_em(piece.rstrip(), bold=bold)
        if visible > width_em:
            return None
        if used and used + visible > width_em:
            lines += 1
            used = width
        else:
            used += width
    return lines


@dataclass(frozen=True)
class Fit:
    size_pt: float
    lines: int


def fit_text(
    text: str,
    *,
    width_mm: float,
    max_lines: int,
    max_pt: float,
    min_pt: float,
    bold: bool = False,
    step: float = 0.5,
) -> Fit:
    """The largest size (between min_pt and max_pt) at which text fits in max_lines lines.

    At min_pt it may still not fit (a single 40-letter word on a credit-card badge): then
    min_pt is returned with the lines it would need, and the stylesheet's
    overflow-wrap: anywhere breaks the word rather than letting it run off the badge.
    """
    if not text.strip():
        return Fit(max_pt, 0)
    size = max_pt
    while size >= min_pt:
        width_em = width_mm * SAFETY / (size * PT_TO_MM)
        lines = lines_needed(text, width_em, bold=bold)
        if lines is not None and lines <= max_lines:
            return Fit(size, lines)
        size -= step
    width_em = width_mm * SAFETY / (min_pt * PT_TO_MM)
    return Fit(min_pt, lines_needed(text, width_em, bold=bold) or max_lines + 1)


def fit_name(
    given: str,
    family: str,
    *,
    width_mm: float,
    height_mm: float,
    max_pt: float,
    min_pt: float,
    family_ratio: float = 0.7,
) -> tuple[Fit, Fit]:
    """Sizes for the given name (bold, large) and the family name below it, so that both
    together fit a box, each in at most two lines; the family name is family_ratio of the
    given name's size or smaller."""
    size = max_pt
    while True:
        g = fit_text(given, width_mm=width_mm, max_lines=2, max_pt=size, min_pt=min_pt, bold=True)
        f = fit_text(
            family,
            width_mm=width_mm,
            max_lines=2,
            max_pt=max(g.size_pt * family_ratio, min_pt),
            min_pt=min_pt,
            bold=True,
        )
        if name_height_mm(g, f) <= height_mm or g.size_pt <= min_pt:
            return g, f
        size = g.size_pt - 0.5


#: Space between given and family name (CSS margin-top of .badge__family), in mm.
NAME_GAP_MM = 0.6


def name_height_mm(given: Fit, family: Fit) -> float:
    """The height the two name blocks take on the badge."""
    gap = NAME_GAP_MM if family.lines else 0.0
    return (
        LINE_HEIGHT * PT_TO_MM * (given.size_pt * given.lines + family.size_pt * family.lines) + gap
    )
