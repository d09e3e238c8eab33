"""Responses compressed (zstd, brotli or gzip, as the client accepts) by Flask-Compress.

Private pages (security_headers.is_private) and answers to form posts are left
uncompressed: there a secret (a CSRF token, a participant's link) can sit beside text an
attacker chose, and compressed sizes would leak it byte by byte (the BREACH attack).
They are small and never cached anyway.
"""

from flask import Flask, Response, request
from flask_compress import Compress

from eventapp.web.security_headers import is_private

compress = Compress()

MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/calendar",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "font/ttf",
    "application/manifest+json",
]


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config["COMPRESS_REGISTER"] = False  # called below, for the pages that may be
    compress.init_app(app)

    @app.after_request
    def compress_public(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or is_private():
            return response
        return compress.after_request(response)
