"""WeasyPrint, imported without its process-wide change to Pillow.

Importing weasyprint sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole
process, which would make eventapp.media.photos accept truncated uploads in any worker that
has printed once. Every module of ours imports WeasyPrint through this one, which puts
Pillow's setting back.
"""

from PIL import ImageFile

_truncated = ImageFile.LOAD_TRUNCATED_IMAGES

from weasyprint import CSS, HTML, Document  # noqa: E402
from weasyprint.text.ffi import ffi, fontconfig  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated


def _keep_element_languages() -> None:
    """Give a tagged PDF's structure elements the `lang` of their HTML element.

    WeasyPrint (70) writes the document's language but drops every element's own `lang`,
    so a screen reader would read the English text a French programme falls back to
    with a French voice. PDF/UA wants each change of language on its structure element
    (/Lang, inherited by what is inside), as HTML has it. The root (html, body) keeps
    the catalogue's language alone.
    """
    import pydyf  # type: ignore[import-untyped]
    from weasyprint.pdf import tags

    build = getattr(tags, "_build_box_tree", None)
    if build is None or getattr(build, "keeps_lang", False):
        return  # another WeasyPrint: tests/test_translated_content.py notices

    def build_with_lang(box, *args, **kwargs):
        element = getattr(box, "element", None)
        lang = None
        if element is not None and getattr(box, "element_tag", None) not in ("html", "body"):
            lang = element.get("lang")
        for struct in build(box, *args, **kwargs):
            if lang and "Lang" not in struct:
                struct["Lang"] = pydyf.String(lang)
            yield struct

    build_with_lang.keeps_lang = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_with_lang


_keep_element_languages()

__all__ = [
    "CSS",
    "HTML",
    "Document",
    "FontConfiguration",
    "URLFetcher",
    "URLFetcherResponse",
    "ffi",
    "fontconfig",
]
