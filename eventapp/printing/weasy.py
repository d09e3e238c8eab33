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
