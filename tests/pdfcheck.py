"""Reading printed PDFs back the way a person or a scanner would: page sizes, text, embedded
fonts, QR codes, and where each character landed."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import zxingcpp
from fontTools.ttLib import TTFont
from pypdf import PdfReader

MM = 72 / 25.4


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width) / MM, 1), round(float(p.mediabox.height) / MM, 1))
        for p in reader(pdf).pages
    ]


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in reader(pdf).pages]


def render_png(pdf: bytes, page: int = 0, scale: float = 4):
    """A page as a picture (PIL image), as printed and looked at."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[page].render(scale=scale).to_pil()
    finally:
        doc.close()


def qr_codes(pdf: bytes, page: int = 0, scale: float = 4) -> list[str]:
    """The text of every QR code on a rendered page, as a phone would read it."""
    image = render_png(pdf, page, scale).convert("L")
    return [code.text for code in zxingcpp.read_barcodes(image)]


@dataclass
class EmbeddedFont:
    name: str
    font: TTFont
    #: glyph id -> the text it stands for (the PDF's ToUnicode map)
    to_unicode: dict[int, str]

    def covers(self, char: str) -> bool:
        """Whether the font prints char with a real glyph: by its cmap, or (for glyphs
        reached by shaping, like Arabic joining forms) through a drawn glyph the PDF says
        stands for char."""
        if ord(char) in (self.font.getBestCmap() or {}):
            return True
        order = self.font.getGlyphOrder()
        glyf = self.font["glyf"] if "glyf" in self.font else None
        for gid, text in self.to_unicode.items():
            if gid and char in text and gid < len(order):
                if glyf is None or glyf[order[gid]].numberOfContours != 0:
                    return True
        return False


def _parse_to_unicode(data: str) -> dict[int, str]:
    mapping = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be") if dst else ""
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = int(dst, 16)
            for i, gid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[gid] = chr(start + i)
    return mapping


def embedded_fonts(pdf: bytes) -> list[EmbeddedFont]:
    fonts, seen = [], set()
    for page in reader(pdf).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if id(font) in seen or "/DescendantFonts" not in font:
                continue
            seen.add(id(font))
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            to_unicode = (
                _parse_to_unicode(font["/ToUnicode"].get_object().get_data().decode("latin-1"))
                if "/ToUnicode" in font
                else {}
            )
            fonts.append(
                EmbeddedFont(
                    str(descriptor["/FontName"]).split("+")[-1],
                    TTFont(io.BytesIO(file.get_object().get_data())),
                    to_unicode,
                )
            )
    return fonts


def char_boxes_mm(pdf: bytes, page: int = 0) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every character on a page with its box (left, top, right, bottom) in mm from the
    page's top left corner."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pdf_page = doc[page]
        height = pdf_page.get_height()
        text = pdf_page.get_textpage()
        out = []
        for i in range(text.count_chars()):
            # pdfium marks a hyphen that ends a line as U+FFFE
            char = text.get_text_range(i, 1).replace("\ufffe", "-")
            left, bottom, right, top = text.get_charbox(i)
            out.append((char, (left / MM, (height - top) / MM, right / MM, (height - bottom) / MM)))
        return out
    finally:
        doc.close()


@dataclass(frozen=True)
class Rect:
    """A filled path on a page (a background, a band, a crop mark), in mm from the page's
    top left corner, with its fill colour as "#RRGGBB"."""

    left: float
    top: float
    width: float
    height: float
    fill: str


def filled_rects_mm(pdf: bytes, page: int = 0) -> list[Rect]:
    """Every path on a page by its bounding box: WeasyPrint paints a box's background and
    each border side as one filled rectangle, so a badge's white background gives its size
    and place on the sheet, and a crop mark is a thin black one."""
    import ctypes

    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(pdf)
    try:
        pdf_page = doc[page]
        height = pdf_page.get_height()
        out = []
        forms = []  # the matrices of the Form XObjects the object is drawn in, outermost first
        for obj in pdf_page.get_objects(max_depth=8):
            del forms[obj.level :]
            if obj.type == raw.FPDF_PAGEOBJ_FORM:
                forms.append(obj.get_matrix())
                continue
            if obj.type != raw.FPDF_PAGEOBJ_PATH:
                continue
            # pdfium gives a nested object's bounds in its form's space (the folded badge's
            # back is its front's XObject turned half round): map them out to the page.
            bounds = obj.get_bounds()
            for matrix in reversed(forms):
                bounds = matrix.on_rect(*bounds)
            left, bottom, right, top = bounds
            rgba = [ctypes.c_uint() for _ in range(4)]
            raw.FPDFPageObj_GetFillColor(obj.raw, *rgba)
            fill = "#" + "".join(f"{c.value:02X}" for c in rgba[:3])
            out.append(
                Rect(
                    round(left / MM, 2),
                    round((height - top) / MM, 2),
                    round((right - left) / MM, 2),
                    round((top - bottom) / MM, 2),
                    fill,
                )
            )
        return out
    finally:
        doc.close()
