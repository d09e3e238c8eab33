"""Serving stored uploads."""

from flask import Blueprint, abort, send_file

from eventapp.media.photos import MIMETYPES, photo_path

bp = Blueprint("media", __name__)

#: Names are random and never reused, so a photo's URL always means the same bytes.
ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/photos/<name>")
def photo(name: str):
    """A speaker photo; public, like the speaker pages that show it."""
    path = photo_path(name)  # None for anything but a name we made, so no path traversal
    if path is None:
        abort(404)
    try:
        response = send_file(path, mimetype=MIMETYPES[path.suffix], max_age=ONE_YEAR)
    except FileNotFoundError:  # deleted since photo_path() looked
        abort(404)
    response.cache_control.immutable = True
    # Served as an image and nothing else, even by a browser that would guess otherwise.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
