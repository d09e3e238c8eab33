"""Published slides for everyone: one file, or all of them as a ZIP named by agenda item."""

from flask import Response, abort

from eventapp.agenda import presentations as slides
from eventapp.extensions import db
from eventapp.models import Presentation, queries
from eventapp.models.presentation import MIMETYPES
from eventapp.web.blueprints import public as bp


def _attachment(chunks, mimetype: str, filename: str, size: int | None = None) -> Response:
    response = Response(chunks, mimetype=mimetype)
    response.headers.set(
        "Content-Disposition", "attachment", **slides.content_disposition(filename)
    )
    if size is not None:
        response.content_length = size
    # Revalidated every time: unpublished slides stop at once.
    response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_slides(presentation: Presentation) -> Response:
    """The file as an attachment with its type and a filename made from its title,
    streamed (up to 50 MB) rather than read whole."""
    path = slides.file_path(presentation.stored_name)
    if path is None:
        abort(404)
    return _attachment(
        slides.stream_file(path),
        MIMETYPES[presentation.format],
        slides.download_name(presentation),
        path.stat().st_size,
    )


@bp.get("/events/<slug>/presentations/<int:presentation_id>")
def presentation(slug: str, presentation_id: int):
    """One speaker's slides, once the organisers have published them."""
    event = queries.get_published_event_or_404(slug)
    found = db.session.get(Presentation, presentation_id)
    if found is None or found.event_id != event.id or not found.published:
        abort(404)
    return send_slides(found)


@bp.get("/events/<slug>/presentations.zip")
def presentations_zip(slug: str):
    """Every published slide deck of the event in one ZIP, a folder per agenda item."""
    event = queries.get_published_event_or_404(slug)
    published = slides.of_event(event, published_only=True)
    if not published:
        abort(404)
    return _attachment(
        slides.stream_zip(slides.zip_files(published)),
        "application/zip",
        f"{slides.safe_name(event.slug)}-slides.zip",
    )
