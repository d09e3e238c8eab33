"""QR codes for printed documents: small PNG data URIs.

A PNG at one pixel per module is a few hundred bytes and WeasyPrint embeds it as one image
(an inline SVG becomes hundreds of PDF path operations per badge). The stylesheet shows it
with image-rendering: pixelated, so viewers and printers keep the modules sharp. The mask is
fixed: segno otherwise tries all eight and scores each, which is most of the time a QR code
takes, and any mask decodes equally well.
"""

from __future__ import annotations

import segno

#: Mask pattern used for every code (see the module docstring).
MASK = 4
#: White modules around the code that readers need (the QR specification asks for 4).
QUIET_ZONE = 4


def data_uri(text: str) -> str:
    """A QR code of text (error correction M) as a data:image/png URI."""
    code = segno.make_qr(text, error="m", mask=MASK, boost_error=False)
    return code.png_data_uri(scale=1, border=QUIET_ZONE)
