"""The agenda in the c3voc schedule JSON format, the one conference apps and the field's
tools (the voc schedule scripts, Fahrplan apps, pretalx exports) exchange.

The document is the frab XML's structure in JSON: conference, days, rooms per day, events.
The schema is tests/schemas/c3voc-schedule.schema.json; the suite validates against it.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from eventapp.core.translated import localized
from eventapp.feeds.frab import (
    FALLBACK_ROOM,
    GENERATOR_VERSION,
    clean_text,
    content_language,
    credited,
    days,
    hhmm,
    item_slug,
    kind_labels,
    last_modified,
    slugify,
    text,
    version,
)
from eventapp.models import AgendaItem, Event, Person, Room
from eventapp.web.public_url import external_url

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"

#: Apps draw the grid in steps of this; our items start on any minute, so the finest step.
TIMESLOT = "00:05"

# The schema's own patterns: an acronym of at least four [a-z0-9_] characters (no dashes
# after the first), and time zones of the form Area/Location (or UTC).
_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
_TIME_ZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


def schedule_json(event: Event, items: list[AgendaItem], language: str | None = None) -> bytes:
    """The c3voc schedule document, UTF-8, its texts in `language` where translated
    (default: the event's main language)."""
    data = schedule(event, items, content_language(event, language))
    # The version hashes the document without it, so it changes whenever the content does.
    data["schedule"]["version"] = version(event, last_modified(event, items), _dump(data))
    return _dump(data)


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def acronym(slug: str) -> str:
    """The event's slug in the schema's acronym alphabet: dashes become underscores, and a
    slug shorter than four characters gets a suffix (the schema wants four)."""
    text = re.sub(r"[^a-z0-9_]", "_", slug.lower())
    if not _ACRONYM.match(text):
        text = f"{text}_event"
    return text


def schedule(event: Event, items: list[AgendaItem], language: str | None = None) -> dict[str, Any]:
    """The whole document as plain data, the version still empty; texts in `language`
    where translated (default: the event's main language)."""
    language = content_language(event, language)
    agenda_url = external_url("public.agenda", slug=event.slug)
    labels = kind_labels()
    fallback = text(event, "venue_name", language) or FALLBACK_ROOM
    programme = days(event, items)
    conference: dict[str, Any] = {
        "acronym": acronym(event.slug),
        "title": clean_text(text(event, "title", language)),
        "description": clean_text(text(event, "description", language)),
        "start": event.local(event.starts_at).isoformat(timespec="seconds"),
        "end": event.local(event.ends_at).isoformat(timespec="seconds"),
        "daysCount": len(programme),
        "timeslot_duration": TIMESLOT,
        "url": external_url("public.event", slug=event.slug),
        "rooms": [_room(event, room, language) for room in event.rooms],
        "days": [],
    }
    if _TIME_ZONE.match(event.timezone):  # e.g. Etc/GMT+3 is outside the schema's pattern
        conference["time_zone_name"] = event.timezone
    for day in programme:
        # Every room every day, in the organisers' order: apps draw them as stable columns.
        rooms: dict[str, list[dict[str, Any]]] = {
            text(room, "name", language): [] for room in event.rooms
        }
        for item in day.items:
            room_name = text(item.room, "name", language) if item.room else fallback
            rooms.setdefault(room_name, []).append(
                _event(event, item, room_name, agenda_url, language, labels)
            )
        conference["days"].append(
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": day.start.isoformat(timespec="seconds"),
                "day_end": day.end.isoformat(timespec="seconds"),
                "rooms": rooms,
            }
        )
    return {
        "$schema": SCHEMA_URL,
        "generator": {"name": "eventapp", "version": GENERATOR_VERSION},
        "schedule": {
            "version": "",
            "base_url": external_url("public.home"),
            "conference": conference,
        },
    }


def _guid(kind: str, url: str) -> str:
    """A stable UUID for rooms and people, which have no guid column: derived from their
    public URL, as the format suggests for people (uuid5 in the URL namespace)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{url}"))


def _room(event: Event, room: Room, language: str) -> dict[str, Any]:
    url = external_url("public.agenda", slug=event.slug)
    data: dict[str, Any] = {
        "name": clean_text(text(room, "name", language)),
        "guid": _guid("room", f"{url}#room-{room.id}"),
        "capacity": room.capacity,
    }
    if slug := slugify(room.name):
        data["slug"] = slug
    return data


def _event(
    event: Event, item: AgendaItem, room_name: str, agenda_url: str, language: str, labels: dict
) -> dict[str, Any]:
    """One agenda item as a c3voc event."""
    starts = event.local(item.starts_at)
    listed: dict[int, Person] = {}
    for _role, person in credited(item):
        listed.setdefault(person.id, person)  # someone moderating and speaking: once
    title = localized(item, "title", language)
    return {
        "guid": str(item.guid),
        "id": item.id,
        "date": starts.isoformat(timespec="seconds"),
        "start": starts.strftime("%H:%M"),
        "end": event.local(item.ends_at).isoformat(timespec="seconds"),
        "duration": hhmm(item.ends_at - item.starts_at),
        "room": clean_text(room_name),
        "slug": item_slug(event, item),
        "url": f"{agenda_url}#item-{item.id}",
        "title": clean_text(title.text),
        "subtitle": "",
        "track": str(labels.get(item.kind, "")) or None,
        "type": item.kind.value,
        # The language the title is really in: the one asked for, or the main one.
        "language": title.language,
        # Apps show the abstract and the description one after the other: the text goes once.
        "abstract": clean_text(text(item, "description", language)),
        "description": None,
        "persons": [_person(event, person, language) for person in listed.values()],
        "links": [],
    }


def _person(event: Event, person: Person, language: str) -> dict[str, Any]:
    """A person in the pretalx shape (name, biography): never their e-mail address."""
    url = external_url("public.speaker", slug=event.slug, person_id=person.id)
    return {
        "name": clean_text(person.full_name),
        "guid": _guid("person", url),
        "id": person.id,
        "url": url,
        "avatar": (external_url("media.photo", name=person.photo) if person.photo else None),
        "biography": clean_text(text(person, "bio", language)) or None,
    }
