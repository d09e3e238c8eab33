"""Public agenda feeds.

Built afresh on every request, so they follow each change at once; apps poll them cheaply
with If-None-Match (a strong ETag: the hash of the body) or If-Modified-Since and get 304.
"""

import uuid
from datetime import datetime

from flask import Response, abort, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventapp.extensions import db
from eventapp.feeds import c3voc, frab, ical, jsonfeed
from eventapp.models import AgendaItem, AgendaRole, ChangeLogEntry, Event
from eventapp.models.queries import agenda, get_published_event_or_404
from eventapp.web.blueprints import exports as bp

#: Log entries about what the feeds show; a sign-up must not make every app download again.
AGENDA_ENTITIES = ("event", "room", "agenda_item", "agenda_role", "person")


@bp.get("/events/<slug>/agenda.ics")
def agenda_ics(slug: str):
    """The whole agenda as an iCalendar feed to subscribe to."""
    event = get_published_event_or_404(slug)
    items = agenda(event)
    return feed_response(ical.agenda_calendar(event, items), "text/calendar; charset=utf-8",
                         modified(event, items), f"{event.slug}.ics", attachment=True)


@bp.get("/events/<slug>/agenda/<uuid:guid>.ics")
def item_ics(slug: str, guid: uuid.UUID):
    """One agenda item as an .ics file, for "Add to my calendar"."""
    event = get_published_event_or_404(slug)
    item = get_item_or_404(event, guid)
    return feed_response(ical.item_calendar(event, item), "text/calendar; charset=utf-8",
                         modified(event, [item]), f"{frab.item_slug(event, item)}.ics",
                         attachment=True)


@bp.get("/events/<slug>/schedule.xml")
def schedule_xml(slug: str):
    """The agenda as frab schedule XML for conference apps."""
    event = get_published_event_or_404(slug)
    items = agenda(event)
    return feed_response(frab.schedule_xml(event, items), "application/xml; charset=utf-8",
                         modified(event, items), f"{event.slug}-schedule.xml")


@bp.get("/events/<slug>/schedule.json")
def schedule_json(slug: str):
    """The agenda in the c3voc schedule JSON format that conference apps exchange."""
    event = get_published_event_or_404(slug)
    items = agenda(event)
    return feed_response(c3voc.schedule_json(event, items), "application/json",
                         modified(event, items), f"{event.slug}-schedule.json")


@bp.get("/events/<slug>/agenda.json")
def agenda_json(slug: str):
    """The agenda as our own richer JSON (format in README.md, "Agenda feeds")."""
    event = get_published_event_or_404(slug)
    items = agenda(event)
    return feed_response(jsonfeed.schedule_json(event, items), "application/json",
                         modified(event, items), f"{event.slug}-agenda.json")


def get_item_or_404(event: Event, guid: uuid.UUID) -> AgendaItem:
    """The event's item with this guid, people and room loaded; 404 for another event's."""
    item = db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.guid == guid, AgendaItem.event_id == event.id)
        .options(selectinload(AgendaItem.room),
                 selectinload(AgendaItem.roles).selectinload(AgendaRole.person))
    )
    if item is None:
        abort(404)
    return item


def modified(event: Event, items: list[AgendaItem]) -> datetime:
    """Last-Modified: the newest updated_at, or the newest logged agenda change if later.

    Removing an item or a person from it leaves no updated_at behind; the change log
    records it, so If-Modified-Since does not answer 304 over a deletion.
    """
    logged = db.session.scalar(
        select(func.max(ChangeLogEntry.at))
        .where(ChangeLogEntry.event_id == event.id, ChangeLogEntry.entity.in_(AGENDA_ENTITIES))
    )
    return frab.last_modified(event, items, logged)


def feed_response(body: bytes, content_type: str, last_modified: datetime, filename: str,
                  attachment: bool = False) -> Response:
    """The body with validators, answered with 304 when the client has it already."""
    response = Response(body, content_type=content_type)
    response.headers.set("Content-Disposition", "attachment" if attachment else "inline",
                         filename=filename)
    response.last_modified = last_modified
    # Caches may keep a copy but must ask every time: the agenda changes during the event.
    response.cache_control.no_cache = True
    # Labels (kinds, roles) follow the visitor's language, from the header or the cookie.
    response.vary.update(("Accept-Language", "Cookie"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.add_etag()
    return response.make_conditional(request)
