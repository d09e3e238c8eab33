"""Static files under fingerprinted names, kept by browsers for a year.

`url_for("static", filename="css/eventapp.css")` gives `/static/css/eventapp.<hash>.css`,
the hash taken from the file's content: a changed file gets a new name, so a browser never
keeps a stale copy and never has to ask again for a current one (phones at a venue with
bad Wi-Fi). Stylesheets are served with their `url(...)` references (fonts) fingerprinted
the same way. A plain name still works, with the default revalidating cache.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from pathlib import Path

from flask import Flask, Response, abort, request
from flask.typing import ResponseReturnValue
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>[^"')]+)(?P=quote)\s*\)""")


class Fingerprints:
    """Content hashes of the files in one folder, computed once per file version."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._digests: dict[str, tuple[int, int, str]] = {}
        self._styles: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    def path(self, filename: str) -> Path | None:
        joined = safe_join(str(self.folder), filename)
        return Path(joined) if joined and Path(joined).is_file() else None

    def digest(self, filename: str) -> str | None:
        path = self.path(filename)
        if path is None:
            return None
        stat = path.stat()
        known = self._digests.get(filename)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        with self._lock:
            self._digests[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def name(self, filename: str) -> str:
        """The fingerprinted name, or the name as it is for a file that does not exist."""
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, dot, ext = filename.rpartition(".")
        return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{filename}.{digest}"

    def stylesheet(self, filename: str) -> bytes:
        """A stylesheet whose relative url(...) references carry fingerprints too."""
        digest = self.digest(filename) or ""
        cached = self._styles.get(filename)
        if cached and cached[0] == digest:
            return cached[1]
        path = self.path(filename)
        assert path is not None
        base = filename.rpartition("/")[0]

        def fingerprinted(match: re.Match) -> str:
            url = match["url"]
            if ":" in url or url.startswith(("/", "#")):
                return match.group(0)  # data:, other hosts, absolute paths: as written
            target = "/".join(_normalise(f"{base}/{url}" if base else url))
            renamed = self.name(target)
            relative = url.rsplit("/", 1)[0] + "/" if "/" in url else ""
            return f'url("{relative}{renamed.rsplit("/", 1)[-1]}")'

        body = _CSS_URL.sub(fingerprinted, path.read_text(encoding="utf-8")).encode()
        with self._lock:
            self._styles[filename] = (digest, body)
        return body


def _normalise(path: str) -> list[str]:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return parts


def _read(fingerprints: Fingerprints, filename: str) -> bytes:
    path = fingerprints.path(filename)
    if path is None:
        abort(404)
    return path.read_bytes()


def _response(filename: str, body: bytes) -> Response:
    # Bytes, not a file stream: small files, and compression can then take them whole.
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype == "application/javascript":
        mimetype = f"{mimetype}; charset=utf-8"
    return Response(body, content_type=mimetype)


def init_app(app: Flask) -> None:
    """Fingerprint every url_for("static") and serve those names for a year."""
    fingerprints = Fingerprints(app.static_folder or "static")
    app.extensions["fingerprints"] = fingerprints

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename"):
            values["filename"] = fingerprints.name(values["filename"])

    def static(filename: str) -> ResponseReturnValue:
        """A static file: for a year under its fingerprinted name, else revalidated."""
        match = _FINGERPRINTED.match(filename)
        if match:
            real = f"{match['stem']}{match['ext']}"
            if fingerprints.digest(real) == match["hash"]:
                body = (
                    fingerprints.stylesheet(real)
                    if real.endswith(".css")
                    else _read(fingerprints, real)
                )
                response = _response(real, body)
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
                return response
            # A page cached before a deployment asks for an older version: the current
            # file, revalidated.
            filename = real
        if fingerprints.path(filename) is None:
            abort(404)
        response = _response(filename, _read(fingerprints, filename))
        response.cache_control.no_cache = True
        response.add_etag()
        return response.make_conditional(request)

    app.view_functions["static"] = static
