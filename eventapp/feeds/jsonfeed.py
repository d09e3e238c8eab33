"""The agenda as JSON for apps and scripts; the format is documented in README.md."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from eventapp.core.labels import ROLES
from eventapp.core.translated import event_languages
from eventapp.feeds.frab import (
    GENERATOR_VERSION,
    content_language,
    credited,
    days,
    item_slug,
    kind_labels,
    last_modified,
    people_of,
    text,
    version,
)
from eventapp.models import AgendaItem, Event, ItemKind, Person, RoleKind
from eventapp.web.public_url import external_url

#: Bumped only when a key changes meaning or disappears; new keys may appear any time.
FORMAT_VERSION = 1


def schedule_json(event: Event, items: list[AgendaItem], language: str | None = None) -> bytes:
    """The schedule document, UTF-8, its texts in `language` where translated (default:
    the event's main language)."""
    data = schedule(event, items, content_language(event, language))
    # The version hashes the document without it, so it changes whenever the content does.
    data["version"] = version(event, last_modified(event, items), _dump(data))
    return _dump(data)


def _dump(data: dict[str, Any]) -> bytes:
    """The data as UTF-8 JSON."""
    # Names stay as people write them (no \u escapes); compact, since apps poll it.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def schedule(event: Event, items: list[AgendaItem], language: str | None = None) -> dict[str, Any]:
    """The whole document as plain data, "version" still empty. "language" is the one
    asked for (default: the main one); a text not translated into it is in the main
    language (the first of "languages")."""
    language = content_language(event, language)
    agenda_url = external_url("public.agenda", slug=event.slug)
    labels = kind_labels() | {role: str(label) for role, label in ROLES.items()}
    appearances: dict[int, list[int]] = {}
    for item in items:
        for person_id in dict.fromkeys(person.id for _role, person in credited(item)):
            appearances.setdefault(person_id, []).append(item.id)
    return {
        "format": "eventapp-schedule",
        "format_version": FORMAT_VERSION,
        "generator": {"name": "eventapp", "version": GENERATOR_VERSION},
        "version": "",
        "last_modified": _iso(event, last_modified(event, items)),
        "language": language,
        "event": {
            "slug": event.slug,
            "languages": event_languages(event),
            "title": text(event, "title", language),
            "subtitle": text(event, "subtitle", language),
            "description": text(event, "description", language),
            "time_zone": event.timezone,
            "start": _iso(event, event.starts_at),
            "end": _iso(event, event.ends_at),
            "days": [day.date.isoformat() for day in days(event, items)],
            "venue": {
                "name": text(event, "venue_name", language),
                "address": event.venue_address,
            },
            "url": external_url("public.event", slug=event.slug),
            "agenda_url": agenda_url,
        },
        "rooms": [
            {"id": room.id, "name": text(room, "name", language), "capacity": room.capacity}
            for room in event.rooms
        ],
        "items": [_item(event, item, agenda_url, labels, language) for item in items],
        "speakers": [
            _speaker(event, person, appearances.get(person.id, []), language)
            for person in people_of(items)
        ],
    }


def _iso(event: Event, moment: datetime) -> str:
    """Local time at the event with its UTC offset, to the second: 2024-03-12T08:30:00+01:00."""
    return event.local(moment).isoformat(timespec="seconds")


def _item(
    event: Event,
    item: AgendaItem,
    agenda_url: str,
    labels: dict[ItemKind | RoleKind, str],
    language: str,
) -> dict[str, Any]:
    """One agenda item, with its people in listing order."""
    return {
        "id": item.id,
        "guid": str(item.guid),
        "slug": item_slug(event, item),
        "kind": item.kind.value,
        "kind_label": labels.get(item.kind, item.kind.value),
        "title": text(item, "title", language),
        "description": text(item, "description", language),
        "start": _iso(event, item.starts_at),
        "end": _iso(event, item.ends_at),
        "duration_minutes": int((item.ends_at - item.starts_at).total_seconds()) // 60,
        "room_id": item.room.id if item.room else None,
        "room": text(item.room, "name", language) if item.room else None,
        "url": f"{agenda_url}#item-{item.id}",
        "updated_at": _iso(event, item.updated_at),
        "people": [
            {
                "id": person.id,
                "name": person.full_name,
                "role": role.value,
                "role_label": labels.get(role, role.value),
                "organisation": person.organisation,
                "country": person.country,
            }
            for role, person in credited(item)
        ],
    }


def _speaker(event: Event, person: Person, item_ids: list[int], language: str) -> dict[str, Any]:
    """One person on the agenda (never their e-mail address)."""
    return {
        "id": person.id,
        "name": person.full_name,
        "honorific": person.honorific,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "position": text(person, "position", language),
        "organisation": person.organisation,
        "country": person.country,
        "bio": text(person, "bio", language),
        "url": external_url("public.speaker", slug=event.slug, person_id=person.id),
        "items": item_ids,
    }
