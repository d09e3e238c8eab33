"""HTML to PDF: the one place WeasyPrint is called, with our fonts and our fetcher.

Everything printed (badges, the programme) goes through render_document() / render_pdf():

    html = render_template("print/programme.html", event=event)
    pdf = render_pdf(html, stylesheets=["css/print/programme.css"])

* ``stylesheets`` are paths under static/ (parsed once per process and reused: parsing is
  a good part of a small document's time) or weasyprint.CSS objects; our fonts come first
  whatever is given.
* Relative URLs in the HTML resolve against ``eventapp://app/`` so ``/static/...`` and
  ``/uploads/...`` work, and nothing outside those folders is ever read (see fetcher.py).
* Rendering is serialised per process: Pango and fontconfig objects in the shared
  FontConfiguration are not safe to use from two threads at once (the development server
  and gunicorn's threaded workers do run requests in threads).

Large documents: lay out in chunks with render_document() and join the pages with
join_documents(); one write_pdf() then embeds each font once (merging separate PDFs would
embed the fonts once per part, several times the size).
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache

from eventapp.printing.fetcher import BASE_URL, SafeFetcher, app_fetcher, static_url
from eventapp.printing.fonts import STATIC, font_config, font_family_css, fonts_stylesheet
from eventapp.printing.weasy import CSS, HTML, Document

#: Serialises WeasyPrint use within a process (see the module docstring).
lock = threading.RLock()


@cache
def static_stylesheet(path: str) -> CSS:
    """A stylesheet under static/, parsed once per process."""
    with lock:
        return CSS(url=static_url(path), url_fetcher=SafeFetcher(STATIC), font_config=font_config())


@cache
def _default_font() -> CSS:
    # Our font stack for every element unless a stylesheet says otherwise, so a document
    # never falls back to whatever serif font the system has.
    with lock:
        return CSS(
            string=font_family_css(),
            base_url=BASE_URL,
            url_fetcher=SafeFetcher(STATIC),
            font_config=font_config(),
        )


def _stylesheets(stylesheets: Sequence[str | CSS]) -> list[CSS]:
    return [fonts_stylesheet(), _default_font()] + [
        static_stylesheet(s) if isinstance(s, str) else s for s in stylesheets
    ]


def css(source: str, *, fetcher: SafeFetcher | None = None) -> CSS:
    """A stylesheet from a string (e.g. per-event sizes or colours), read through our fetcher."""
    with lock:
        return CSS(
            string=source,
            base_url=BASE_URL,
            url_fetcher=fetcher or app_fetcher(),
            font_config=font_config(),
        )


def render_document(
    html: str,
    *,
    stylesheets: Sequence[str | CSS] = (),
    fetcher: SafeFetcher | None = None,
    image_cache: dict | None = None,
) -> Document:
    """Lay out an HTML string into pages.

    ``fetcher`` defaults to one for the current app (static files and uploads); pass one to
    render outside an app context or to inspect ``fetcher.refused``. ``image_cache`` may be
    shared by the documents of one print run so a logo is decoded once.
    """
    fetcher = fetcher or app_fetcher()
    with lock:
        config = font_config()
        sheets = _stylesheets(stylesheets)
        return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            font_config=config, stylesheets=sheets, cache=image_cache
        )


def warm_up(stylesheets: Sequence[str] = ()) -> None:
    """Load the fonts and parse the stylesheets now (about a second) rather than in the
    first print request. Holds the lock, so a render waits for it instead of racing it."""
    with lock:
        font_config()
        fonts_stylesheet()
        _default_font()
        for path in stylesheets:
            static_stylesheet(path)


def join_documents(documents: Iterable[Document]) -> Document:
    """One document made of the pages of several (metadata of the first)."""
    documents = list(documents)
    if not documents:
        raise ValueError("nothing to join")
    return documents[0].copy([page for doc in documents for page in doc.pages])


#: Tagged PDF for screen readers (structure, reading order, language, title): documents
#: people read on screen. Badges are for printing only and stay untagged.
ACCESSIBLE = "pdf/ua-1"
#: Tagged PDF/A (level A) for what is archived, such as certificates; marked PDF/UA too
#: (mark_pdfua) since WeasyPrint writes one identification per file.
ARCHIVED = "pdf/a-3a"


def write_pdf(document: Document, *, variant: str | None = None) -> bytes:
    """The PDF of a laid-out document, as bytes.
    ``variant`` is one of WeasyPrint's (ACCESSIBLE, ARCHIVED), None for plain PDF."""
    with lock:
        pdf = document.write_pdf(pdf_variant=variant)
    assert pdf is not None  # WeasyPrint returns None only when given a file to write to
    return pdf


def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[str | CSS] = (),
    fetcher: SafeFetcher | None = None,
    variant: str | None = None,
) -> bytes:
    """The PDF of an HTML string, as bytes (see render_document)."""
    return write_pdf(
        render_document(html, stylesheets=stylesheets, fetcher=fetcher), variant=variant
    )


def mark_pdfua(pdf: bytes) -> bytes:
    """Add the PDF/UA-1 identification to a tagged PDF/A file's XMP metadata (the document
    info dictionary is kept in step, as PDF/A wants)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfuaid:part"] = "1"
        out = io.BytesIO()
        document.save(
            out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True
        )
        return out.getvalue()


def page_png(pdf: bytes, page: int = 0, *, width_px: int = 800) -> bytes:
    """One page of a PDF as a PNG of the given width (organiser previews, tests)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pdf_page = doc[page]
        scale = width_px / pdf_page.get_width()
        image = pdf_page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return out.getvalue()
    finally:
        doc.close()


#: Most chunks (of ~100 badges) a worker lays out into one PDF part: bounds a worker's
#: memory (pages stay in memory until written) while each part embeds its own font subsets
#: once, so fewer, larger parts make a smaller file.
CHUNKS_PER_PART = 5
#: From this many chunks on, a run is split over worker processes.
PARALLEL_FROM = 4


def render_chunks(
    htmls: Iterable[str],
    *,
    stylesheets: Sequence[str] = (),
    workers: int | None = None,
    fetcher: SafeFetcher | None = None,
    count: int | None = None,
    variant: str | None = None,
    on_chunk: Callable[[], None] | None = None,
) -> bytes:
    """One PDF from several HTML documents (chunks of one print run), in order.

    Small runs are laid out here, the chunks' pages joined into one document so each font
    is embedded once. Large runs go to a pool of worker processes (one per core, at most
    two by default): each lays out a few chunks into a PDF part, and the parts are merged.
    A part carries its own font subsets, so parts are kept large (CHUNKS_PER_PART) and the
    file grows by a few per cent, while memory stays bounded by the part size.

    ``htmls`` may be a generator (then give ``count``, the number of chunks): the workers
    start on the first part while the next ones are still being written. A tagged
    ``variant`` keeps its structure across parts (merge_pdfs joins their trees).
    ``on_chunk`` is called after each chunk is laid out, in this process only (a job's
    progress; it may raise to stop the run): it makes the run a single-process one.
    """
    fetcher = fetcher or app_fetcher()
    if count is None:
        htmls = list(htmls)
        count = len(htmls)
    # A task queue's process worker is a daemon process, which may start no other.
    if on_chunk is not None or multiprocessing.current_process().daemon:
        workers = 1
    elif workers is None:
        workers = min(2, os.cpu_count() or 1) if count >= PARALLEL_FROM else 1
    sizes = part_sizes(count, workers)
    parts = _parts(htmls, sizes)
    if workers <= 1:
        pdfs = [_render_part(part, stylesheets, fetcher, variant, on_chunk) for part in parts]
        return merge_pdfs(pdfs)
    roots = (str(fetcher.roots["static"]), str(fetcher.roots.get("uploads") or ""))
    with ProcessPoolExecutor(
        max_workers=min(workers, len(sizes)), mp_context=_pool_context()
    ) as pool:
        futures = [
            pool.submit(_render_part_in_worker, part, tuple(stylesheets), roots, variant)
            for part in parts
        ]
        return merge_pdfs([future.result() for future in futures])


def part_sizes(count: int, workers: int) -> list[int]:
    """How many chunks go into each part: at most CHUNKS_PER_PART, as few parts as that
    allows, in a multiple of the workers and of even sizes, so that no worker sits idle
    while another lays out a last, lone part (11 chunks, 2 workers: 3, 3, 3, 2)."""
    if count <= 0:
        return []
    workers = max(1, workers)
    parts = workers * -(-count // (workers * CHUNKS_PER_PART))
    parts = min(parts, count)
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


def _parts(htmls: Iterable[str], sizes: Sequence[int]) -> Iterator[list[str]]:
    """Consecutive groups of chunks of the given sizes, taken as they come."""
    sizes = list(sizes)
    part: list[str] = []
    for html in htmls:
        part.append(html)
        if sizes and len(part) == sizes[0]:
            yield part
            part = []
            sizes.pop(0)
    if part:
        yield part


def _pool_context():
    # Not fork: the caller may be a threaded web server holding database connections and
    # locks that a forked child must not inherit. A fork server is a clean process started
    # once, with WeasyPrint already imported, that workers are forked from.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


#: Python's cyclic garbage collector thresholds while a part is laid out (see below).
LAYOUT_GC_THRESHOLD = (20_000, 20, 20)


@contextmanager
def fewer_collections():
    """Run the cyclic garbage collector less often for a while.

    A part's pages stay in memory until its PDF is written: hundreds of thousands of boxes
    and styles, all alive, that every collection walks again. With the default thresholds
    that was a quarter to a third of a large run's time; with these, a few per cent more
    memory. Thresholds are process-wide, so other threads collect less often meanwhile,
    which is harmless; the first of overlapping renders sets them, the last puts them back.
    """
    with _gc_lock:
        if not _gc_users:
            _gc_saved[:] = gc.get_threshold()
            gc.set_threshold(*LAYOUT_GC_THRESHOLD)
        _gc_users.append(None)
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users.pop()
            if not _gc_users:
                gc.set_threshold(*_gc_saved)


_gc_lock = threading.Lock()
_gc_users: list[None] = []
_gc_saved: list[int] = []


def _render_part(
    htmls: Sequence[str],
    stylesheets: Sequence[str],
    fetcher: SafeFetcher,
    variant: str | None = None,
    on_chunk: Callable[[], None] | None = None,
) -> bytes:
    image_cache: dict = {}
    with fewer_collections():
        documents = []
        for html in htmls:
            documents.append(
                render_document(
                    html, stylesheets=stylesheets, fetcher=fetcher, image_cache=image_cache
                )
            )
            if on_chunk is not None:
                on_chunk()
        return write_pdf(join_documents(documents), variant=variant)


def _render_part_in_worker(htmls, stylesheets, roots, variant) -> bytes:
    static, uploads = roots
    return _render_part(htmls, stylesheets, SafeFetcher(static, uploads or None), variant)


def merge_pdfs(pdfs: Sequence[bytes]) -> bytes:
    """PDFs one after the other in one file.

    With qpdf (pikepdf), writing object streams: WeasyPrint packs its small objects (page
    dictionaries, image headers) into compressed object streams, and a merge that wrote
    them out one by one (pypdf does) would make a badge run about 45 % bigger.
    """
    if len(pdfs) == 1:
        return pdfs[0]
    import pikepdf

    # qpdf copies a page's streams when the merged file is written: the parts stay open
    # until then.
    parts = [pikepdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    try:
        merged = pikepdf.new()
        for part in parts:
            merged.pages.extend(part.pages)
        if "/StructTreeRoot" in parts[0].Root:
            _merge_structure(merged, parts)
        out = io.BytesIO()
        merged.save(
            out,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
            min_version=parts[0].pdf_version,
        )
        return out.getvalue()
    finally:
        for part in parts:
            part.close()


def _merge_structure(merged, parts) -> None:
    """Make the merged file tagged like its parts: one Document element holding every
    part's structure in order, and one parent tree whose keys are renumbered per part
    (the pages' StructParents and the links' StructParent follow), plus the first part's
    catalog entries that make a file tagged, titled and archival."""
    from pikepdf import Array, Dictionary, Name

    def copy(part, obj):
        # qpdf copies only indirect objects from another file: wrap a direct one first.
        return merged.copy_foreign(obj if obj.is_indirect else part.make_indirect(obj))

    first = parts[0]
    for name in ("/MarkInfo", "/Lang", "/ViewerPreferences", "/Metadata", "/OutputIntents"):
        if name in first.Root:
            merged.Root[name] = copy(first, first.Root[name])
    merged.trailer.Info = copy(first, first.trailer.Info)
    root = merged.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = merged.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array())
    )
    root.K = Array([document])
    nums = Array()
    offset = 0
    pages = iter(merged.pages)
    for part in parts:
        tree = part.Root.StructTreeRoot
        # Copied after the pages: qpdf maps the part's pages to their copies, so /Pg
        # references land on the merged file's pages.
        for element in _children(copy(part, tree.K)):
            if element.get("/S") == Name.Document:
                for child in _children(element.get("/K")):
                    child.P = document
                    document.K.append(child)
            else:
                element.P = document
                document.K.append(element)
        keys: list[int] = []
        for key, value in _number_tree(tree.ParentTree):
            keys.append(key)
            nums.append(key + offset)
            nums.append(copy(part, value))
        for _ in part.pages:
            page = next(pages)
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        offset += max([int(tree.get("/ParentTreeNextKey", 0)), *(k + 1 for k in keys)])
    root.ParentTree = merged.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = offset
    if "/RoleMap" in first.Root.StructTreeRoot:
        root.RoleMap = copy(first, first.Root.StructTreeRoot.RoleMap)
    merged.Root.StructTreeRoot = root


def _children(k) -> list:
    """A structure element's /K as a list of elements (it may be one or an array)."""
    import pikepdf

    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _number_tree(node) -> Iterator[tuple[int, object]]:
    """(key, value) pairs of a PDF number tree, leaves and kids alike."""
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)
