"""The agenda as frab schedule XML, the format conference apps (Giggity, ConfClerk) read.

Also the pieces the other feeds share: who is credited in which order, the days of the
programme, when the agenda last changed and the version string apps compare.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from eventapp.core.labels import ITEM_KINDS
from eventapp.core.translated import event_languages, localized
from eventapp.models import AgendaItem, Event, ItemKind, Person, RoleKind
from eventapp.web.public_url import external_url

try:
    GENERATOR_VERSION = package_version("eventapp")
except PackageNotFoundError:  # running from a checkout that was never installed
    GENERATOR_VERSION = "0"

#: The order people are listed in every feed: who leads the session comes first.
ROLE_ORDER = (RoleKind.MODERATOR, RoleKind.PANELLIST, RoleKind.SPEAKER, RoleKind.CHAIR)

#: ElementTree's own declaration names the locale's encoding when writing str.
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

#: Room for items that have none, when the event has no venue name either. Not translated:
#: apps key their columns and favourites on room names.
FALLBACK_ROOM = "General"

# Control characters XML 1.0 cannot carry at all, even escaped, and iCalendar TEXT may not
# hold: ElementTree writes them as they are and a parser then rejects the whole file over
# one character pasted into a title.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def content_language(event: Event, language: str | None) -> str:
    """The language a feed's texts are asked in: ?lang=, else the event's main one."""
    return language or event_languages(event)[0]


def text(obj: Any, field: str, language: str) -> str:
    """Organiser-written text in `language`, or in the main language where untranslated."""
    return localized(obj, field, language).text


def clean_text(value: str | None) -> str:
    """Text without the control characters XML and iCalendar forbid (tab, newline stay)."""
    return _CONTROL.sub("", value or "")


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII words joined by dashes: "Peer exchange & more" -> "peer-exchange-more"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")


def item_slug(event: Event, item: AgendaItem) -> str:
    """Unique per install (the item id is), readable where the title is in Latin script."""
    return "-".join(part for part in (event.slug, str(item.id), slugify(item.title)) if part)


_RANK = {role: rank for rank, role in enumerate(ROLE_ORDER)}  # sort key for credited()


def credited(item: AgendaItem) -> list[tuple[RoleKind, Person]]:
    """(role, person) in feed order: moderators, panellists, speakers, chairs."""
    # One sort of the loaded roles, not one per role: the feeds call this for every item.
    roles = sorted(item.roles, key=lambda r: (_RANK[r.role], r.position))
    return [(r.role, r.person) for r in roles]


def kind_labels() -> dict[ItemKind, str]:
    """The kinds' names in the request's language, translated once per document."""
    return {kind: str(label) for kind, label in ITEM_KINDS.items()}


def people_of(items: list[AgendaItem]) -> list[Person]:
    """Everyone credited on the items, once each, by family then given name."""
    people = {person.id: person for item in items for _role, person in credited(item)}
    return sorted(
        people.values(), key=lambda p: (p.family_name.casefold(), p.given_name.casefold(), p.id)
    )


def last_modified(event: Event, items: list[AgendaItem], *also: datetime | None) -> datetime:
    """The newest updated_at of the event, its items and their people (plus any `also`).

    Deleting an item or a role leaves no updated_at behind: the views pass the change
    log's newest entry in `also`, and the version and ETag hash the content anyway.
    """
    moments = [
        event.updated_at,
        *(item.updated_at for item in items),
        *(role.person.updated_at for item in items for role in item.roles),
        *(moment for moment in also if moment is not None),
    ]
    return max(moments)


def version(event: Event, modified: datetime, draft: bytes) -> str:
    """What apps compare to spot a new schedule: the last change, local, and a content hash.

    The hash (of the document without its version) changes on deletions too, which
    leave no newer updated_at.
    """
    digest = hashlib.sha256(draft).hexdigest()[:10]
    return f"{event.local(modified).replace(microsecond=0).isoformat(sep=' ')} {digest}"


@dataclass
class Day:
    """One local calendar day of the programme and the items that start on it."""

    index: int
    date: date
    start: datetime
    end: datetime
    items: list[AgendaItem] = field(default_factory=list)


def days(event: Event, items: list[AgendaItem]) -> list[Day]:
    """The local dates the event spans, plus any date an item starts on outside it."""
    by_date: dict[date, list[AgendaItem]] = {}
    for item in items:
        by_date.setdefault(event.local(item.starts_at).date(), []).append(item)
    first_local, last_local = event.local(event.starts_at), event.local(event.ends_at)
    # An event that ends at midnight does not take place on the next day.
    last_date = (last_local - timedelta(microseconds=1)).date()
    span = [
        first_local.date() + timedelta(days=n)
        for n in range((last_date - first_local.date()).days + 1)
    ]
    result = []
    for index, day in enumerate(sorted({*span, *by_date}), start=1):
        day_items = by_date.get(day, [])
        starts = [event.local(item.starts_at) for item in day_items]
        ends = [event.local(item.ends_at) for item in day_items]
        if first_local.date() == day:
            starts.append(first_local)
        if last_local.date() == day:
            ends.append(last_local)
        # A day without items: the event's daily hours, as on its first and last day.
        start = min(starts, default=_at(event, day, first_local.time()))
        end = max(ends, default=_at(event, day, last_local.time()))
        if end <= start:
            end = _at(event, day + timedelta(days=1), time(0))
        result.append(Day(index=index, date=day, start=start, end=end, items=day_items))
    return result


def _at(event: Event, day: date, wall_clock: time) -> datetime:
    """A wall-clock time on a date at the event."""
    return datetime.combine(day, wall_clock, event.tz)


def hhmm(delta: timedelta) -> str:
    """A duration as HH:MM; the format has two digits for hours, so 99:59 at most."""
    minutes = min(int(delta.total_seconds()) // 60, 99 * 60 + 59)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_xml(event: Event, items: list[AgendaItem], language: str | None = None) -> bytes:
    """The frab schedule document, UTF-8, valid against the voc/schedule XSD, its texts
    in `language` where translated (default: the event's main language)."""
    language = content_language(event, language)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name="eventapp", version=GENERATOR_VERSION)
    version_element = ET.SubElement(root, "version")
    programme = days(event, items)
    conference = ET.SubElement(root, "conference")
    _sub(conference, "acronym", event.slug)
    _sub(conference, "title", text(event, "title", language))
    _sub(conference, "start", programme[0].date.isoformat())
    _sub(conference, "end", programme[-1].date.isoformat())
    _sub(conference, "days", str(len(programme)))
    _sub(conference, "base_url", external_url("public.home"))
    _sub(conference, "time_zone_name", event.timezone)
    agenda_url = external_url("public.agenda", slug=event.slug)
    labels = kind_labels()
    fallback = text(event, "venue_name", language) or FALLBACK_ROOM
    for day in programme:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=day.start.isoformat(timespec="seconds"),
            end=day.end.isoformat(timespec="seconds"),
        )
        # Every room every day, in the organisers' order: apps draw them as stable columns.
        rooms = {
            name: ET.SubElement(day_element, "room", name=clean_text(name))
            for name in (text(room, "name", language) for room in event.rooms)
        }
        for item in day.items:
            room_name = text(item.room, "name", language) if item.room else fallback
            if room_name not in rooms:
                rooms[room_name] = ET.SubElement(day_element, "room", name=clean_text(room_name))
            _event_element(rooms[room_name], event, item, room_name, agenda_url, language, labels)
    ET.indent(root)
    # The version hashes the document without it, so it changes whenever the content does.
    # (To str, then encoded: faster than ElementTree's own encoding="utf-8".)
    draft = ET.tostring(root, encoding="unicode").encode()
    version_element.text = version(event, last_modified(event, items), draft)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode()


def _event_element(
    parent: ET.Element,
    event: Event,
    item: AgendaItem,
    room_name: str,
    agenda_url: str,
    language: str,
    labels: dict[ItemKind, str],
) -> None:
    """One item as a frab <event> in its room."""
    element = ET.SubElement(parent, "event", id=str(item.id), guid=str(item.guid))
    starts = event.local(item.starts_at)
    _sub(element, "date", starts.isoformat(timespec="seconds"))
    _sub(element, "start", starts.strftime("%H:%M"))
    _sub(element, "duration", hhmm(item.ends_at - item.starts_at))
    _sub(element, "room", room_name)
    _sub(element, "slug", item_slug(event, item))
    _sub(element, "url", f"{agenda_url}#item-{item.id}")
    title = localized(item, "title", language)
    _sub(element, "title", title.text)
    _sub(element, "subtitle", "")
    _sub(element, "track", labels.get(item.kind, ""))
    _sub(element, "type", item.kind.value)
    # The language the title is really in: the one asked for, or the main one.
    _sub(element, "language", title.language)
    # Apps show the abstract and the description one after the other: the text goes once.
    _sub(element, "abstract", text(item, "description", language))
    _sub(element, "description", "")
    persons = ET.SubElement(element, "persons")
    listed: set[int] = set()
    for _role, person in credited(item):
        if person.id not in listed:  # someone both moderating and speaking is listed once
            listed.add(person.id)
            _sub(persons, "person", person.full_name, id=str(person.id))


def _sub(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    """A child element holding text (ElementTree escapes it; clean_text makes it legal)."""
    element = ET.SubElement(parent, tag, attributes)
    element.text = clean_text(text)
    return element
