"""Imposition: placing pages WeasyPrint rendered onto larger sheets, in the PDF itself.

The folded A6 badge shows the same face twice on an A4 sheet (the back upside down).
Laying that face out twice would double WeasyPrint's work, so each face is rendered once
as an A6 page and then drawn twice on its sheet as one Form XObject, the way a print
shop's imposition software places pages: half the layout time, and the face's text,
fonts and QR image are stored once.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name

MM = 72 / 25.4


def fold_sheets(
    faces_pdf: bytes,
    sheet_pdf: bytes,
    *,
    face_mm: tuple[float, float],
    sheet_mm: tuple[float, float],
) -> bytes:
    """One sheet per page of `faces_pdf`: the first page of `sheet_pdf` (fold marks, the
    folding hint) with the face drawn in the sheet's bottom-left corner and again, turned
    half round, right above it (the top half, folded back, turns it upright).

    The faces' document keeps its metadata (title, language), fonts and images; the sheet
    is one XObject shared by every page.
    """
    width, height = face_mm[0] * MM, face_mm[1] * MM
    media_box = Array([0, 0, round(sheet_mm[0] * MM, 3), round(sheet_mm[1] * MM, 3)])
    faces = pikepdf.open(io.BytesIO(faces_pdf))
    sheet = pikepdf.open(io.BytesIO(sheet_pdf))
    try:
        background = faces.copy_foreign(sheet.pages[0].as_form_xobject())
        # Front at the origin; back: x -> width - x, y -> 2 height - y (a half turn); the
        # sheet's marks last, over the faces' white backgrounds.
        content = b"q /Face Do Q q -1 0 0 -1 %.3f %.3f cm /Face Do Q q /Sheet Do Q" % (
            width,
            2 * height,
        )
        new_pages: list[Dictionary] = []
        for page in faces.pages:
            face = page.as_form_xobject()
            # qpdf copies the page's resources into every XObject: keep WeasyPrint's one
            # shared dictionary instead (a stream's dictionary is never compressed).
            face.Resources = page.obj.Resources
            face = faces.make_indirect(face)
            new_pages.append(
                Dictionary(
                    Type=Name.Page,
                    MediaBox=media_box,
                    Resources=Dictionary(XObject=Dictionary(Sheet=background, Face=face)),
                    Contents=faces.make_stream(content),
                )
            )
        del faces.pages[:]
        for new_page in new_pages:
            faces.pages.append(pikepdf.Page(new_page))
        out = io.BytesIO()
        faces.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        return out.getvalue()
    finally:
        faces.close()
        sheet.close()
