"""Published slides for everyone: one file, or all of them as a ZIP named by agenda item."""

import tempfile

from flask import abort, send_file

from eventapp.agenda import presentations as slides
from eventapp.extensions import db
from eventapp.models import Presentation, queries
from eventapp.models.presentation import MIMETYPES
from eventapp.web.blueprints import public as bp


def send_slides(presentation: Presentation):
    """The file as an attachment with its type and a filename made from its title."""
    path = slides.file_path(presentation.stored_name)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=MIMETYPES[presentation.format],
        as_attachment=True,
        download_name=slides.download_name(presentation),
        max_age=0,
    )
    # Revalidated each time (the ETag makes that cheap): unpublished slides stop at once.
    response.cache_control.no_cache = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
    # On disk, not in memory: fifty decks can weigh a gigabyte. The file goes away when
    # the response closes it.
    archive = tempfile.TemporaryFile()
    slides.write_zip(published, archive)
    archive.seek(0)
    response = send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{slides.safe_name(event.slug)}-slides.zip",
        max_age=0,
    )
    response.cache_control.no_cache = True
    return response
