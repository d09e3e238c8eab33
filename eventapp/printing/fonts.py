"""The fonts of printed documents: one FontConfiguration per process, our vendored Noto set.

Building a FontConfiguration and loading @font-face files costs about a second; made once
per process and shared by every document, a badge costs milliseconds instead. The
@font-face rules are static/css/fonts.css, the file web pages link too, read through the
fetcher like everything else WeasyPrint loads.

CJK is not vendored (a single CJK font weighs 15-20 MB): names in Chinese, Japanese or
Korean use a system font when fontconfig has one (Debian: fonts-noto-cjk), and a warning
is logged once per process when it has none, since those names would print as boxes.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import threading
from functools import cache
from pathlib import Path

from eventapp.core.paths import ROOT

log = logging.getLogger(__name__)

STATIC = ROOT / "static"
FONTS = STATIC / "fonts"
FONTS_CSS = "css/fonts.css"

#: Families in the order Pango should try them for each character. Latin, Greek and
#: Cyrillic come from Noto Sans; each script family has a unicode-range, so it only takes
#: over for its own letters; CJK is whatever the system has.
SCRIPT_FAMILIES = (
    "Noto Sans",
    "Noto Sans Georgian",
    "Noto Sans Armenian",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Thai",
    "Noto Sans Devanagari",
)
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
#: The font-family value every print stylesheet uses (see font_family_css()).
FONT_STACK = ", ".join(f'"{name}"' for name in (*SCRIPT_FAMILIES, *CJK_FAMILIES)) + ", sans-serif"

#: The files WeasyPrint may embed, by family, regular then bold.
FONT_FILES = {
    family: (
        FONTS / f"{family.replace(' ', '')}-Regular.ttf",
        FONTS / f"{family.replace(' ', '')}-Bold.ttf",
    )
    for family in SCRIPT_FAMILIES
}

_lock = threading.Lock()


@cache
def font_config():
    """The process's weasyprint FontConfiguration (fonts.css is loaded into it by
    fonts_stylesheet())."""
    # WeasyPrint is imported when something is printed, not when the app starts: the
    # web app and its other commands never pay for it.
    from eventapp.printing.weasy import FontConfiguration

    with _lock:
        config = FontConfiguration()
        warn_if_no_cjk(config)
        atexit.register(_remove_font_copies, config)
        return config


def _remove_font_copies(config) -> None:
    # WeasyPrint copies @font-face files into a temporary folder that its __del__ removes;
    # a process-wide configuration lives until interpreter shutdown, when __del__ can no
    # longer call shutil. Removing the folder at exit instead leaves nothing behind.
    if config._folder:
        shutil.rmtree(config._folder, ignore_errors=True)
        config._folder = None


@cache
def fonts_stylesheet():
    """static/css/fonts.css as a weasyprint CSS, parsed once; parsing it registers the
    fonts in font_config()."""
    from eventapp.printing.fetcher import SafeFetcher, static_url
    from eventapp.printing.weasy import CSS

    fetcher = SafeFetcher(STATIC)
    css = CSS(url=static_url(FONTS_CSS), url_fetcher=fetcher, font_config=font_config())
    if fetcher.refused:  # a font path in fonts.css that is not a file under static/
        log.warning("fonts.css names files that could not be read: %s", fetcher.refused)
    return css


def font_family_css() -> str:
    """A rule giving every element our font stack (for documents with no stylesheet of ours)."""
    return f"html {{ font-family: {FONT_STACK}; }}"


def system_cjk_family(config=None) -> str | None:
    """The first CJK family fontconfig really has, or None."""
    from eventapp.printing.weasy import ffi, fontconfig

    fc_config = fontconfig.FcInitLoadConfigAndFonts() if config is None else config._config
    try:
        for family in CJK_FAMILIES:
            pattern = fontconfig.FcPatternCreate()
            try:
                fontconfig.FcPatternAddString(pattern, b"family", family.encode())
                fontconfig.FcConfigSubstitute(fc_config, pattern, fontconfig.FcMatchPattern)
                fontconfig.FcDefaultSubstitute(pattern)
                result = ffi.new("FcResult *")
                match = fontconfig.FcFontMatch(fc_config, pattern, result)
                if match == ffi.NULL:
                    continue
                try:
                    value = ffi.new("FcChar8 **")
                    # FcFontMatch always returns some font: it is ours only if the family
                    # asked for is the one found.
                    if fontconfig.FcPatternGetString(match, b"family", 0, value) == 0:
                        found = ffi.string(value[0]).decode()
                        if found.lower() == family.lower():
                            return found
                finally:
                    fontconfig.FcPatternDestroy(match)
            finally:
                fontconfig.FcPatternDestroy(pattern)
    finally:
        if config is None:
            fontconfig.FcConfigDestroy(fc_config)
    return None


def warn_if_no_cjk(config) -> None:
    """Log once per process when Chinese, Japanese and Korean names would print as boxes."""
    if system_cjk_family(config) is None:
        log.warning(
            "No CJK font found by fontconfig: Chinese, Japanese and Korean names will "
            "print as empty boxes. Install one, e.g. Debian's fonts-noto-cjk."
        )


def vendored_font_paths() -> list[Path]:
    """Every font file we ship (for checks and the licence listing)."""
    return [path for pair in FONT_FILES.values() for path in pair]
