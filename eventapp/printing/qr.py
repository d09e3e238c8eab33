"""QR codes: small PNG data URIs for printed documents, a PNG for e-mails and inline SVG
for web pages.

A PNG at one pixel per module is a few hundred bytes and WeasyPrint embeds it as one image
(an inline SVG becomes hundreds of PDF path operations per badge). The stylesheet shows it
with image-rendering: pixelated, so viewers and printers keep the modules sharp. The mask is
fixed: segno otherwise tries all eight and scores each, which is most of the time a QR code
takes, and any mask decodes equally well.
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

#: Mask pattern used for every code (see the module docstring).
MASK = 4
#: White modules around the code that readers need (the QR specification asks for 4).
QUIET_ZONE = 4
#: Pixels per module of an e-mailed code: a phone held up to a door scanner shows it
#: large enough, and mail clients that scale images down still leave it readable.
EMAIL_SCALE = 7


def _code(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m", mask=MASK, boost_error=False)


def data_uri(text: str) -> str:
    """A QR code of text (error correction M) as a data:image/png URI."""
    return _code(text).png_data_uri(scale=1, border=QUIET_ZONE)


#: segno's module values (0 light, 1 dark) -> grey levels (white, black).
_GREY = bytes([255, 0]) + bytes(254)


def png(text: str, scale: int = EMAIL_SCALE) -> tuple[bytes, int]:
    """A QR code of text as PNG bytes and its width (= height) in pixels. For e-mails:
    mail clients show neither SVG nor data: URIs reliably.

    Drawn at one pixel per module, then enlarged and written by Pillow (in C): segno's own
    PNG writer goes through every pixel of the large image in Python, which was about a
    sixth of the worker's time per confirmation e-mail."""
    from PIL import Image, ImageOps

    matrix = _code(text).matrix  # rows of 0 (light) and 1 (dark), no quiet zone
    modules = b"".join(matrix).translate(_GREY)
    image = Image.frombytes("L", (len(matrix), len(matrix)), modules)
    image = ImageOps.expand(image, border=QUIET_ZONE, fill=255)
    width = image.width * scale
    image = image.resize((width, width), Image.Resampling.NEAREST).convert("1", dither=None)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), width


def svg(text: str, label: str) -> Markup:
    """A QR code of text as an <svg> element for a web page, named by `label` for screen
    readers. It has a viewBox and no size: the stylesheet sizes it."""
    markup = _code(text).svg_inline(
        border=QUIET_ZONE, title=label, svgclass="qr", lineclass=None, omitsize=True
    )
    # segno escapes the title; the markup is otherwise its own, made of numbers.
    return Markup(markup.replace("<svg ", '<svg role="img" ', 1))
