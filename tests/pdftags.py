"""Reading a tagged PDF the way a screen reader does: its structure tree in order, each
element with the text of the marked content it owns (MCIDs on its page)."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass

import pikepdf
from pypdf import PdfReader

BLOCKS = {"H1", "H2", "H3", "H4", "H5", "H6", "P", "Figure"}
CELLS = {"LBody", "TD", "TH"}


def _holds_blocks(node) -> bool:
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            if str(kid.S)[1:] in BLOCKS | {"L"} or _holds_blocks(kid):
                return True
    return False


def _blocks_only(kids):
    kids = kids if isinstance(kids, pikepdf.Array) else [kids]
    return [
        kid
        for kid in kids
        if isinstance(kid, pikepdf.Dictionary)
        and "/S" in kid
        and (str(kid.S)[1:] in BLOCKS | {"L"} or _holds_blocks(kid))
    ]


@dataclass
class Tagged:
    role: str  # "H1", "P", "Figure"...
    text: str
    alt: str | None


def _marked_texts(pdf: bytes) -> dict[tuple[int, int], str]:
    """(page index, MCID) -> the text drawn inside that marked content."""
    texts: dict[tuple[int, int], list[str]] = defaultdict(list)
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        stack: list[int | None] = []

        def before(operator, operands, cm, tm, stack=stack):
            if operator == b"BDC":
                props = operands[1] if len(operands) > 1 else None
                stack.append(props.get("/MCID") if hasattr(props, "get") else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size, stack=stack, index=index):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None and value:
                texts[(index, int(mcid))].append(value)

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return {key: "".join(parts) for key, parts in texts.items()}


def read_aloud(pdf: bytes) -> list[Tagged]:
    """Every structure element that owns text or is a figure, in the tree's order."""
    texts = _marked_texts(pdf)
    document = pikepdf.open(io.BytesIO(pdf))
    pages = {page.objgen: i for i, page in enumerate(document.pages)}
    out: list[Tagged] = []

    def own_text(element, page_index, skip_blocks: bool = False) -> str:
        parts = []
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                parts.append(texts.get((page_index, kid), ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                parts.append(texts.get((pages[kid.Pg.objgen], int(kid.MCID)), ""))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                if skip_blocks and (str(kid.S)[1:] in BLOCKS | {"L"} or _holds_blocks(kid)):
                    continue
                kid_page = pages.get(kid.Pg.objgen, page_index) if "/Pg" in kid else page_index
                parts.append(own_text(kid, kid_page, skip_blocks))
        return "".join(parts)

    def walk(node, page_index=0):
        if isinstance(node, pikepdf.Array | list):
            for kid in node:
                walk(kid, page_index)
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            return
        if "/Pg" in node:
            page_index = pages.get(node.Pg.objgen, page_index)
        role = str(node.S)[1:]
        # Blocks are read as one; a list item or table cell is read as one unless it holds
        # blocks of its own (then those are).
        if role in BLOCKS or (role in CELLS and not _holds_blocks(node)):
            out.append(
                Tagged(
                    role,
                    " ".join(own_text(node, page_index).split()),
                    str(node.Alt) if "/Alt" in node else None,
                )
            )
            return
        if role in CELLS and (text := " ".join(own_text(node, page_index, True).split())):
            out.append(Tagged(role, text, None))  # the item's own words, then its blocks
        if "/K" in node:
            walk(_blocks_only(node.K) if role in CELLS else node.K, page_index)

    walk(document.Root.StructTreeRoot.K)
    return out


def headings(pdf: bytes) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in read_aloud(pdf) if t.role.startswith("H")]


def catalog(pdf: bytes) -> dict:
    """What makes a file tagged, titled and identified, as plain values."""
    document = pikepdf.open(io.BytesIO(pdf))
    root = document.Root
    meta = document.open_metadata()
    return {
        "lang": str(root.get("/Lang", "")),
        "marked": bool(root.get("/MarkInfo", {}).get("/Marked", False)),
        "display_title": bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)),
        "title": str(meta.get("dc:title", "")),
        "pdfua": str(meta.get("pdfuaid:part", "")),
        "pdfa": str(meta.get("pdfaid:part", "")) + str(meta.get("pdfaid:conformance", "")),
    }


def pdfinfo(pdf: bytes, tmp_path) -> dict[str, str]:
    """Poppler's pdfinfo on the file: a tool we did not write, as a reader of PDFs sees it."""
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    binary = shutil.which("pdfinfo")
    assert binary, "poppler-utils is missing: `make test` installs it"
    output = subprocess.run([binary, str(path)], capture_output=True, text=True, check=True)
    return {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
        for line in output.stdout.splitlines()
        if ":" in line
    }


@dataclass
class LanguageSpan:
    role: str
    text: str
    #: The element's /Lang (a screen reader switches voice for it), "" when it has none.
    lang: str


def tagged_languages(pdf: bytes) -> list[LanguageSpan]:
    """Every structure element, with all the text under it and its own /Lang."""
    texts = _marked_texts(pdf)
    document = pikepdf.open(io.BytesIO(pdf))
    pages = {page.objgen: i for i, page in enumerate(document.pages)}
    out: list[LanguageSpan] = []

    def text_under(node, page_index: int) -> str:
        parts = []
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                parts.append(texts.get((page_index, kid), ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                parts.append(texts.get((pages[kid.Pg.objgen], int(kid.MCID)), ""))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                kid_page = pages.get(kid.Pg.objgen, page_index) if "/Pg" in kid else page_index
                parts.append(text_under(kid, kid_page))
        return "".join(parts)

    def walk(node, page_index: int = 0) -> None:
        if isinstance(node, pikepdf.Array | list):
            for kid in node:
                walk(kid, page_index)
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            return
        if "/Pg" in node:
            page_index = pages.get(node.Pg.objgen, page_index)
        lang = str(node.Lang) if "/Lang" in node else ""
        out.append(
            LanguageSpan(str(node.S)[1:], " ".join(text_under(node, page_index).split()), lang)
        )
        if "/K" in node:
            walk(node.K, page_index)

    walk(document.Root.StructTreeRoot.K)
    return out
