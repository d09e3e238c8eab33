"""Recording changes for the log pages: who, when, what, old and new values."""

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import ChangeLogEntry, Event


def json_safe(value: Any) -> Any:
    """A value as JSON can store it: times as ISO strings, enums as their value."""
    if isinstance(value, enum.Enum):
        return value.value
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


def record(event: Event, entity: str, entity_id: int | None, action: str, summary: str,
           changes: dict[str, Any] | None = None) -> ChangeLogEntry:
    """Add a log entry in the current transaction (it commits with the change itself).

    The actor is the signed-in user, if any.
    """
    user = current_user if current_user and current_user.is_authenticated else None
    entry = ChangeLogEntry(
        event=event, entity=entity, entity_id=entity_id, action=action, summary=summary[:500],
        changes=json_safe(changes or {}), user_id=user.id if user else None,
        actor=user.email if user else "",
    )
    db.session.add(entry)
    return entry


def entries(event: Event, entity: str | None = None, entity_id: int | None = None,
            limit: int = 500) -> list[ChangeLogEntry]:
    """The newest entries first, optionally for one entity."""
    query = select(ChangeLogEntry).where(ChangeLogEntry.event_id == event.id)
    if entity is not None:
        query = query.where(ChangeLogEntry.entity == entity)
    if entity_id is not None:
        query = query.where(ChangeLogEntry.entity_id == entity_id)
    query = query.order_by(ChangeLogEntry.at.desc(), ChangeLogEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))
