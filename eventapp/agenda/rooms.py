"""The event's rooms: add, rename, delete (their items stay, without a room)."""

from typing import Any

from flask_babel import gettext as _

from eventapp.core.changelog import record, save_logged, snapshot
from eventapp.extensions import db
from eventapp.models import Event, Room

ROOM_FIELDS = ("name", "capacity")


def save_room(event: Event, room: Room | None, data: dict[str, Any]) -> Room:
    return save_logged(
        event,
        room,
        data,
        ROOM_FIELDS,
        entity="room",
        new=lambda: Room(event=event, position=len(event.rooms)),
        created=lambda r: _("Room “%(name)s” added", name=r.name),
        changed=lambda r: _("Room “%(name)s” changed", name=r.name),
    )


def room_name_taken(event: Event, name: str, exclude: Room | None = None) -> bool:
    """Room names are unique per event, whatever the letter case."""
    return any(r.name.casefold() == name.casefold() and r is not exclude for r in event.rooms)


def delete_room(room: Room) -> None:
    """Its items stay on the agenda, without a room (the foreign key says SET NULL)."""
    record(
        room.event,
        "room",
        room.id,
        "delete",
        _("Room “%(name)s” deleted", name=room.name),
        snapshot(room, ROOM_FIELDS),
    )
    for item in room.event.agenda_items:
        if item.room_id == room.id:
            item.room = None
    db.session.delete(room)
