"""The agenda as the .ics attachment of the e-mails, built once per agenda revision.

Every confirmation and promotion attaches the whole agenda. Building it for each message
took most of a sign-up's time with a large agenda, so a rush of sign-ups spent most of
its time writing the same file. Each process keeps the last one it built per event,
language and address of the site, with the agenda's revision (Event.agenda_revision,
read from the event already loaded: no query), and builds it again when that moved.
"""

from __future__ import annotations

from flask_babel import get_locale

from eventapp.feeds.ical import agenda_calendar
from eventapp.models import Event
from eventapp.models.queries import agenda
from eventapp.web.public_url import external_url

#: (event id, language, agenda URL) -> (event created at, agenda revision, the .ics)
_built: dict[tuple[int, str, str], tuple[object, int, bytes]] = {}


def agenda_ics(event: Event) -> bytes:
    """ical.agenda_calendar of the event's whole agenda, as the feed would give it now."""
    key = (event.id, str(get_locale()), external_url("public.agenda", slug=event.slug))
    # created_at too: SQLite may give a deleted event's id to a new one.
    revision = (event.created_at, event.agenda_revision)
    cached = _built.get(key)
    if cached and cached[:2] == revision:
        return cached[2]
    # Its texts in the same language as its labels: the e-mail's, where translated.
    body = agenda_calendar(event, agenda(event), key[1])
    _built[key] = (*revision, body)
    return body
