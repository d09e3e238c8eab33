"""What is on now and next in each room: the venue's display screens.

Plain data for one moment, so the page, its JSON refresh and the tests read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from eventapp.models import AgendaItem, Event, Room


@dataclass
class RoomNow:
    """One room (or the venue, for items without a room) at a moment."""

    name: str
    now: AgendaItem | None = None
    next: AgendaItem | None = None
    #: Items ahead in this room: tells "nothing more today" from "nothing at all".
    later: list[AgendaItem] = field(default_factory=list)
    #: The room itself (None for the venue), for its name in the page's language.
    room: Room | None = None


@dataclass
class Screen:
    at: datetime
    rooms: list[RoomNow]
    #: Before the first item starts, after the last one ends, or during.
    phase: str


def now_and_next(event: Event, items: list[AgendaItem], at: datetime, venue_label: str) -> Screen:
    """For each room with items: the item running at `at` (the one that started last when
    several overlap) and the next one to start. Rooms in the organisers' order, then the
    venue for items that have no room."""
    rooms = {room.id: RoomNow(room.name, room=room) for room in event.rooms}
    venue = RoomNow(venue_label)
    used: dict[int | None, RoomNow] = {}
    for item in sorted(items, key=lambda i: (i.starts_at, i.position, i.id)):
        key = item.room_id if item.room_id in rooms else None
        room = used.setdefault(key, rooms[key] if key is not None else venue)
        if item.starts_at <= at < item.ends_at:
            room.now = item  # sorted by start: the latest started wins
        elif item.starts_at > at:
            room.later.append(item)
            room.next = room.next or item
    ordered = [room for key, room in rooms.items() if key in used]
    if None in used:
        ordered.append(venue)
    if items and at < min(i.starts_at for i in items):
        phase = "before"
    elif not items or at >= max(i.ends_at for i in items):
        phase = "after"
    else:
        phase = "during"
    return Screen(at=at, rooms=ordered, phase=phase)


def parse_moment(event: Event, text: str | None) -> datetime | None:
    """A preview moment typed as local time at the event (2024-03-12T10:30), in UTC; None
    when absent or not a date and time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=event.tz)
    return moment.astimezone(UTC)


def utc_offset_minutes(event: Event, at: datetime) -> int:
    """The event's offset from UTC at that moment, for the screen's ticking clock."""
    offset = event.local(at).utcoffset() or timedelta(0)
    return int(offset.total_seconds()) // 60
