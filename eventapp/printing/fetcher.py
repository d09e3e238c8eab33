"""What WeasyPrint may read: our static files and stored uploads, nothing else.

Printed documents contain text that participants typed. It is escaped, but a fetcher that
opened any URL would turn the smallest slip (or a crafted SVG logo) into a request to an
internal host or a read of /etc/passwd embedded in a PDF. So every URL WeasyPrint asks for
comes here, and only two kinds are served:

* ``eventapp://app/static/<path>`` -> a file under the static folder (fonts, CSS, images);
* ``eventapp://app/uploads/<path>`` -> a file under the instance uploads folder (logos);

plus ``data:image/...`` URIs, which read nothing (our QR codes are PNG data URIs). Documents
are rendered with ``BASE_URL`` as their base, so app-relative URLs in templates
(``/static/css/x.css``, ``../fonts/x.ttf`` inside a stylesheet) land on the same scheme.
Everything else (file:, http:, https:, ftp:, other data: types, paths leaving the folders)
is refused and logged as a warning.
"""

from __future__ import annotations

import logging
import mimetypes
import urllib.parse
from pathlib import Path
from urllib.parse import unquote, urlsplit

from eventapp.printing.weasy import URLFetcher, URLFetcherResponse

SCHEME = "eventapp"
BASE_URL = f"{SCHEME}://app/"

log = logging.getLogger(__name__)

# urljoin() only resolves relative references for the schemes it knows; without this, a
# relative url() in one of our stylesheets would stay relative and be refused.
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if SCHEME not in _registry:
        _registry.append(SCHEME)

_DATA_TYPES = ("data:image/png", "data:image/svg+xml", "data:image/jpeg", "data:image/webp")
_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


class FetchRefused(ValueError):
    """A URL outside what printed documents may read."""


def static_url(path: str) -> str:
    """The URL of a file under the static folder, as templates and CSS give it to WeasyPrint."""
    return f"{BASE_URL}static/{path.lstrip('/')}"


def upload_url(path: str) -> str:
    """The URL of a file under the instance uploads folder, e.g. ``logos/abc.png``."""
    return f"{BASE_URL}uploads/{urllib.parse.quote(path.lstrip('/'))}"


class SafeFetcher(URLFetcher):
    """A WeasyPrint URL fetcher limited to two folders (and image data URIs).

    ``refused`` lists every URL turned down, in order, so callers and tests can see that
    nothing was read. The folders are plain paths: no app context is needed, so a worker
    process can build its own fetcher.
    """

    def __init__(self, static_folder: Path | str, uploads_folder: Path | str | None = None):
        super().__init__(allowed_protocols=(SCHEME, "data"), allow_redirects=False)
        self.roots = {"static": Path(static_folder).resolve()}
        if uploads_folder is not None:
            self.roots["uploads"] = Path(uploads_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            if url.startswith("data:"):
                return self._data(url)
            return self._file(url)
        except FetchRefused:
            self.refused.append(url)
            # Truncated: a URL can be a megabyte of data:, and logs are read by people.
            log.warning("Printing refused to fetch %s", url[:200])
            raise

    def _data(self, url: str) -> URLFetcherResponse:
        if not url.startswith(_DATA_TYPES):
            raise FetchRefused(url)
        # urllib decodes data: URIs without any I/O.
        return super().fetch(url, None)

    def _file(self, url: str) -> URLFetcherResponse:
        path = self.resolve(url)
        if path is None:
            raise FetchRefused(url)
        media_type = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": media_type or "application/octet-stream"}
        )

    def resolve(self, url: str) -> Path | None:
        """The file a URL of ours names, or None when it is not ours or not there."""
        parts = urlsplit(url)
        if parts.scheme != SCHEME or parts.netloc != "app" or parts.query:
            return None
        area, _, rest = unquote(parts.path).lstrip("/").partition("/")
        root = self.roots.get(area)
        if root is None or not rest or "\x00" in rest:
            return None
        path = (root / rest).resolve()
        # resolve() follows "..", symlinks included: the result must still be inside.
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path


def app_fetcher(app=None) -> SafeFetcher:
    """A fetcher for the current app's static folder and uploads."""
    from flask import current_app

    app = app or current_app
    return SafeFetcher(app.static_folder, Path(app.instance_path) / "uploads")
