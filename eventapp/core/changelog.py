"""Recording changes for the log pages: who, when, what, old and new values."""

import enum
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from eventapp.core.i18n import country_name, local_datetime
from eventapp.core.labels import (
    CATEGORIES,
    DIETARY,
    ITEM_KINDS,
    LANGUAGE_NAMES,
    QUESTION_KINDS,
    ROLES,
    STATUSES,
    SUPPORT_LINES,
    SUPPORT_STATUSES,
)
from eventapp.core.translated import set_translations
from eventapp.extensions import db
from eventapp.models import ChangeLogEntry, Event


def json_safe(value: Any) -> Any:
    """A value as JSON can store it: times as ISO strings, enums as their value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        # One form for one moment: an edit must not log 17:15+01:00 as a change of
        # 16:15+00:00.
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of obj, JSON-safe, to compare before and after an edit."""
    return {field: json_safe(getattr(obj, field)) for field in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    event: Event,
    entity: str,
    entity_id: int | None,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> ChangeLogEntry:
    """Add a log entry in the current transaction (it commits with the change itself).

    The actor is the signed-in user, if any.
    """
    user = current_user if current_user and current_user.is_authenticated else None
    entry = ChangeLogEntry(
        event=event,
        entity=entity,
        entity_id=entity_id,
        action=action,
        summary=summary[:500],
        changes=json_safe(changes or {}),
        user_id=user.id if user else None,
        actor=user.email if user else "",
    )
    db.session.add(entry)
    return entry


def entries(
    event: Event, entity: str | None = None, entity_id: int | None = None, limit: int = 500
) -> list[ChangeLogEntry]:
    """The newest entries first, optionally for one entity."""
    query = select(ChangeLogEntry).where(ChangeLogEntry.event_id == event.id)
    if entity is not None:
        query = query.where(ChangeLogEntry.entity == entity)
    if entity_id is not None:
        query = query.where(ChangeLogEntry.entity_id == entity_id)
    query = query.order_by(ChangeLogEntry.at.desc(), ChangeLogEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))


# --- Showing entries to organisers ------------------------------------------------------

#: What the forms call the fields entries record.
FIELD_LABELS = {
    "title": _l("Title"),
    "subtitle": _l("Subtitle"),
    "slug": _l("Address (slug)"),
    "timezone": _l("Time zone"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "venue_name": _l("Venue"),
    "venue_address": _l("Venue address"),
    "capacity": _l("Seats"),
    "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"),
    "moderation": _l("Organisers approve each sign-up"),
    "published": _l("Published (visible to the public)"),
    "description": _l("Description"),
    "privacy_notice": _l("Privacy notice (Markdown)"),
    "kind": _l("Kind"),
    "room_id": _l("Room"),
    "name": _l("Name"),
    "position": _l("Position"),
    "bio": _l("Biography (Markdown)"),
    "photo": _l("Photo"),
    "honorific": _l("Honorific"),
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "badge_name": _l("Name on the badge"),
    "email": _l("E-mail address"),
    "organisation": _l("Organisation"),
    "job_title": _l("Job title"),
    "country": _l("Country"),
    "dietary": _l("Dietary needs"),
    "dietary_other": _l("Other dietary needs"),
    "accessibility": _l("Accessibility needs"),
    "photo_consent": _l("Photo consent"),
    "category": _l("Category"),
    "status": _l("Status"),
    "minutes": _l("Minutes"),
    "item_ids": _l("Items"),
    **{role.value: label for role, label in ROLES.items()},
    "support": _l("Travel support"),
    "support_lines": _l("Support asked for"),
    "justification": _l("Justification"),
    "travel_estimate": _l("Travel estimate"),
    "accommodation_estimate": _l("Accommodation estimate"),
    "per_diem_estimate": _l("Per diem estimate"),
    "fields": _l("Fields"),
    "currency": _l("Currency"),
    "support_on_signup": _l("The sign-up form offers travel support"),
    "budget_travel": _l("Travel budget"),
    "budget_accommodation": _l("Accommodation budget"),
    "budget_per_diem": _l("Per diem budget"),
    "language": _l("Main language"),
    "extra_languages": _l("Other languages"),
}
#: Fields whose stored value is a code with a name.
VALUE_NAMES: dict[str, dict[Any, Any]] = {
    "status": STATUSES,
    "category": CATEGORIES,
    "dietary": DIETARY,
    "support": SUPPORT_STATUSES,
    "support_lines": SUPPORT_LINES,
    "language": LANGUAGE_NAMES,
    "extra_languages": LANGUAGE_NAMES,
}
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def readable(entry: ChangeLogEntry, event: Event) -> list[tuple[str, str, str | None]]:
    """An entry's changes as (field, value, None), or (field, before, after) for a change,
    with the forms' names for fields and values, times in the event's time zone, rooms and
    agenda items by name. A created, deleted or shifted thing's values are shown as they
    are (a pair there is a list of two names), except a creation's [None, value]."""
    names = {
        "room_id": {room.id: room.name for room in event.rooms},
        # "kind" is an agenda item's or a question's, by the entry's entity.
        "kind": QUESTION_KINDS if entry.entity == "question" else ITEM_KINDS,
    }
    if "item_ids" in (entry.changes or {}):
        names["item_ids"] = {item.id: f"“{item.title}”" for item in event.agenda_items}
    rows: list[tuple[str, str, str | None]] = []
    for name, values in (entry.changes or {}).items():
        label = _field_label(name)
        pair = (
            isinstance(values, list)
            and len(values) == 2
            and (entry.action not in ("create", "delete", "shift") or values[0] is None)
        )
        if pair:
            rows.append(
                (
                    label,
                    _shown(name, values[0], event, names),
                    _shown(name, values[1], event, names),
                )
            )
        else:
            rows.append((label, _shown(name, values, event, names), None))
    return rows


def _field_label(name: str) -> str:
    """The form's name of a field; a translation's ("title__fr") as "Title (French)"."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    field, _sep, language = name.rpartition("__")
    if field in FIELD_LABELS and language in LANGUAGE_NAMES:
        return _(
            "%(label)s (%(language)s)",
            label=FIELD_LABELS[field],
            language=LANGUAGE_NAMES[language],
        )
    return name


def _shown(name: str, value: Any, event: Event, names: dict[str, dict]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(_shown(name, v, event, names) for v in value)
    if name == "country" and isinstance(value, str):
        return country_name(value)
    table = names.get(name) or VALUE_NAMES.get(name)
    if table is not None and isinstance(value, str | int):
        return str(table.get(value, value))
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return local_datetime(moment, event.timezone, "short")
    return str(value)


def apply_changes(obj: Any, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, list]:
    """Set the given fields on obj; the {field: [old, new]} that actually changed."""
    before = snapshot(obj, fields)
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])
    return diff(before, snapshot(obj, fields))


def save_logged(
    event: Event,
    obj: Any,
    data: dict[str, Any],
    fields: tuple[str, ...],
    *,
    new: Callable[[], Any],
    entity: str,
    created: Callable[[Any], str],
    changed: Callable[[Any], str],
) -> Any:
    """Create (obj None) or update an object of the event, and log what changed.

    `data["translations"]`, if given, holds the texts in the event's other languages
    ({language: {field: text}}, see core/translated.py); they are logged as "title__fr".
    """
    texts = data.get("translations") or {}
    if obj is None:
        obj = new()
        apply_changes(obj, data, fields)
        added = set_translations(obj, texts)
        db.session.add(obj)
        db.session.flush()
        values = {**snapshot(obj, fields), **{k: after for k, (_b, after) in added.items()}}
        record(event, entity, obj.id, "create", created(obj), values)
        return obj
    changes = apply_changes(obj, data, fields)
    changes.update(set_translations(obj, texts))
    if changes:
        record(event, entity, obj.id, "update", changed(obj), changes)
    return obj
