"""The agenda as the .ics attachment of the e-mails, built once per change of the agenda.

Every confirmation and promotion attaches the whole agenda. Building it for each message
took 65 of the 90 ms of a sign-up with a 200-item agenda, so a rush of sign-ups spent most
of its time writing the same file. Each process keeps the last one it built per event,
language and address of the site, with the agenda's version: one query reads the version
(the event's and the newest item's and person's updated_at, the number of items, the
newest logged agenda change), and the file is built again when it differs, or after
`MAX_AGE` seconds for changes that leave no trace there (raw SQL, say).
"""

from __future__ import annotations

import time

from flask_babel import get_locale
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.feeds.ical import agenda_calendar
from eventapp.feeds.views import AGENDA_ENTITIES
from eventapp.models import AgendaItem, ChangeLogEntry, Event, Person
from eventapp.models.queries import agenda
from eventapp.web.public_url import external_url

MAX_AGE = 60.0

#: (event id, language, agenda URL) -> (version, built at (monotonic), the .ics)
_built: dict[tuple[int, str, str], tuple[tuple, float, bytes]] = {}


def agenda_ics(event: Event) -> bytes:
    """ical.agenda_calendar of the event's whole agenda, as the feed would give it now."""
    key = (event.id, str(get_locale()),
           external_url("public.agenda", slug=event.slug))
    version = _version(event)
    cached = _built.get(key)
    if cached and cached[0] == version and time.monotonic() - cached[1] < MAX_AGE:
        return cached[2]
    body = agenda_calendar(event, agenda(event))
    _built[key] = (version, time.monotonic(), body)
    return body


def _version(event: Event) -> tuple:
    """What changes whenever the agenda's .ics may change, read in one query."""
    items = AgendaItem.event_id == event.id
    row = db.session.execute(select(
        select(func.max(AgendaItem.updated_at)).where(items).scalar_subquery(),
        select(func.count(AgendaItem.id)).where(items).scalar_subquery(),
        select(func.max(Person.updated_at)).where(Person.event_id == event.id)
        .scalar_subquery(),
        # "+ 0": through the index on entity, not the one on event_id, which would walk
        # the entry of every sign-up (each sign-up of a rush read one more row).
        select(func.max(ChangeLogEntry.id)).where(
            ChangeLogEntry.event_id + 0 == event.id,
            ChangeLogEntry.entity.in_(AGENDA_ENTITIES)).scalar_subquery(),
    )).one()
    return (event.updated_at, *row)
