"""Public agenda feeds.

Built afresh for every request that needs a body, so they follow each change at once.
Apps poll them cheaply: the ETag is the agenda's revision (Event.agenda_revision) with
what else the body depends on, so If-None-Match is answered 304 before anything is read
or built; If-Modified-Since works too, against the newest change of the agenda.
"""

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import Response, abort, request
from flask_babel import get_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventapp.core.i18n import LANGUAGES
from eventapp.core.paths import ROOT
from eventapp.core.translated import event_languages
from eventapp.extensions import db
from eventapp.feeds import c3voc, frab, ical, jsonfeed
from eventapp.models import AgendaItem, AgendaRole, ChangeLogEntry, Event
from eventapp.models.queries import agenda, get_published_event_or_404
from eventapp.web.blueprints import exports as bp
from eventapp.web.public_url import external_url

#: Log entries about what the feeds show; a sign-up must not make every app download again.
AGENDA_ENTITIES = ("event", "room", "agenda_item", "agenda_role", "person")


@bp.get("/events/<slug>/agenda.ics")
def agenda_ics(slug: str):
    """The whole agenda as an iCalendar feed to subscribe to."""
    event = get_published_event_or_404(slug)
    return agenda_feed(
        event,
        "agenda.ics",
        ical.agenda_calendar,
        "text/calendar; charset=utf-8",
        f"{event.slug}.ics",
        attachment=True,
    )


@bp.get("/events/<slug>/agenda/<uuid:guid>.ics")
def item_ics(slug: str, guid: uuid.UUID):
    """One agenda item as an .ics file, for "Add to my calendar"."""
    event = get_published_event_or_404(slug)
    etag = agenda_etag(event, "item.ics", str(guid))
    if request.if_none_match.contains_weak(etag):
        return not_modified(etag)
    item = get_item_or_404(event, guid)
    return feed_response(
        ical.item_calendar(event, item, content_language(event)),
        "text/calendar; charset=utf-8",
        modified(event, [item]),
        f"{frab.item_slug(event, item)}.ics",
        attachment=True,
        etag=etag,
    )


@bp.get("/events/<slug>/schedule.xml")
def schedule_xml(slug: str):
    """The agenda as frab schedule XML for conference apps."""
    event = get_published_event_or_404(slug)
    return agenda_feed(
        event,
        "schedule.xml",
        frab.schedule_xml,
        "application/xml; charset=utf-8",
        f"{event.slug}-schedule.xml",
    )


@bp.get("/events/<slug>/schedule.json")
def schedule_json(slug: str):
    """The agenda in the c3voc schedule JSON format that conference apps exchange."""
    event = get_published_event_or_404(slug)
    return agenda_feed(
        event,
        "schedule.json",
        c3voc.schedule_json,
        "application/json",
        f"{event.slug}-schedule.json",
    )


@bp.get("/events/<slug>/agenda.json")
def agenda_json(slug: str):
    """The agenda as our own richer JSON (format in README.md, "Agenda feeds")."""
    event = get_published_event_or_404(slug)
    return agenda_feed(
        event,
        "agenda.json",
        jsonfeed.schedule_json,
        "application/json",
        f"{event.slug}-agenda.json",
    )


def agenda_feed(
    event: Event,
    name: str,
    build: Callable[[Event, list[AgendaItem], str], bytes],
    content_type: str,
    filename: str,
    attachment: bool = False,
) -> Response:
    """A feed of the whole agenda: 304 from the ETag alone, else built from the agenda."""
    etag = agenda_etag(event, name)
    if request.if_none_match.contains_weak(etag):
        return not_modified(etag)
    items = agenda(event)
    return feed_response(
        build(event, items, content_language(event)),
        content_type,
        modified(event, items),
        filename,
        attachment=attachment,
        etag=etag,
    )


#: What a feed's bytes depend on besides the agenda and the language: our code and
#: catalogues (a new release may write the same agenda differently).
FEED_SOURCES = (
    *sorted((ROOT / "eventapp" / "feeds").glob("*.py")),
    ROOT / "eventapp" / "core" / "labels.py",
)


@cache
def _code_fingerprint() -> str:
    """A hash of the feeds' code and the compiled catalogues, once per process (both
    are read at start-up, so they cannot change under a running process)."""
    digest = hashlib.sha256()
    for path in (
        *FEED_SOURCES,
        *sorted((ROOT / "eventapp" / "translations").glob("*/LC_MESSAGES/*.mo")),
    ):
        digest.update(path.name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def content_language(event: Event) -> str:
    """The language of the feed's texts: `?lang=` (one of ours), else the event's main
    language, whatever the visitor's interface language (a calendar subscribed to without
    ?lang= stays in one language)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return event_languages(event)[0]


def agenda_etag(event: Event, *parts: str) -> str:
    """The strong ETag of a feed (unquoted): the agenda's revision, plus the event (ids of
    deleted events come back in SQLite), the languages of the labels and of the texts, the
    site's address and our code. Equal ETags mean equal bytes, so no body is needed to
    compare them."""
    key = repr(
        (
            event.id,
            event.created_at.isoformat(),
            str(get_locale()),
            content_language(event),
            external_url("public.agenda", slug=event.slug),
            _code_fingerprint(),
            parts,
        )
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return f"{event.agenda_revision}-{digest}"


def not_modified(etag: str) -> Response:
    """304 for a client that holds this ETag: same validators and caching headers."""
    response = Response(status=304)
    response.set_etag(etag)
    _caching_headers(response)
    return response


def get_item_or_404(event: Event, guid: uuid.UUID) -> AgendaItem:
    """The event's item with this guid, people and room loaded; 404 for another event's."""
    item = db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.guid == guid, AgendaItem.event_id == event.id)
        .options(
            selectinload(AgendaItem.room),
            selectinload(AgendaItem.roles).selectinload(AgendaRole.person),
        )
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
        select(func.max(ChangeLogEntry.at)).where(
            ChangeLogEntry.event_id == event.id, ChangeLogEntry.entity.in_(AGENDA_ENTITIES)
        )
    )
    return frab.last_modified(event, items, logged)


def feed_response(
    body: bytes,
    content_type: str,
    last_modified: datetime,
    filename: str,
    attachment: bool = False,
    etag: str | None = None,
) -> Response:
    """The body with validators, answered with 304 when the client has it already.
    Without an `etag`, the ETag is the hash of the body."""
    response = Response(body, content_type=content_type)
    response.headers.set(
        "Content-Disposition", "attachment" if attachment else "inline", filename=filename
    )
    response.last_modified = last_modified
    _caching_headers(response)
    if etag is None:
        response.add_etag()
    else:
        response.set_etag(etag)
    # Turns the response itself into a 304 when the client has it (Werkzeug types the
    # returned self as its own Response class, not Flask's).
    response.make_conditional(request)
    return response


def _caching_headers(response: Response) -> None:
    # Caches may keep a copy but must ask every time: the agenda changes during the event.
    response.cache_control.no_cache = True
    # Labels (kinds, roles) follow the visitor's language, from the header or the cookie.
    response.vary.update(("Accept-Language", "Cookie"))
    response.headers["X-Content-Type-Options"] = "nosniff"
