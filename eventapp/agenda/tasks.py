"""The agenda's background work: the programme PDFs laid out again a little after the
agenda changed, so that the public link's first visitors get the new booklet at once.

Debounced: each committed change of a published event's agenda schedules a rebuild of
its new revision (models/revision.py) PROGRAMME_REBUILD_DELAY seconds later (60). A task
whose revision is no longer the latest does nothing, the later change's own task builds
that one: while an organiser keeps editing, nothing is built, and the latest revision is
built once, a minute after the last change.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eventapp.agenda import programme
from eventapp.extensions import db
from eventapp.models import Event
from eventapp.models.revision import CHANGED
from eventapp.queue.tasks import task

log = logging.getLogger(__name__)

#: Seconds between an agenda's last change and the rebuild of its programme PDFs.
REBUILD_DELAY = 60


@event.listens_for(Session, "after_commit")
def _schedule_rebuilds(session: Session) -> None:
    delay = int(current_app.config.get("PROGRAMME_REBUILD_DELAY", REBUILD_DELAY))
    for event_id, revision in session.info.pop(CHANGED, {}).items():
        try:
            rebuild_programme.schedule((event_id, revision), delay=delay)
        except Exception:  # the queue's storage is down: the first visitor builds it
            log.exception("could not schedule the programme rebuild of event %s", event_id)


def is_latest(event_id: int, revision: int) -> Event | None:
    """The event while `revision` is its agenda's latest and it is published, else None."""
    found = db.session.get(Event, event_id, populate_existing=True)
    if found is None or found.agenda_revision != revision or not found.published:
        return None
    return found


@task()
def rebuild_programme(event_id: int, revision: int) -> None:
    """Lay out the programme PDFs the public link gives (each language, at the event's
    page size) for this revision, unless the agenda changed again meanwhile."""
    for language in current_app.config["LANGUAGES"]:
        found = is_latest(event_id, revision)  # again before each: a change stops it
        if found is None:
            return
        programme.programme_pdf(found, programme.programme_version(found, language=language))
        db.session.rollback()  # no transaction held open while the next one is laid out
