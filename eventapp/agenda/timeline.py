"""Lays the agenda out as a timeline: one block per day, rooms as columns, rows of minutes."""

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from eventapp.models import AgendaItem, Event, Room

#: One grid row stands for this many minutes.
SLOT_MINUTES = 5


@dataclass
class Placement:
    item: AgendaItem
    column: int  # 1-based grid column (column 1 holds the times)
    row: int  # 1-based grid row (row 1 holds the room names)
    span: int


@dataclass
class Day:
    date: date
    columns: list[str]
    first_minute: int  # minutes after local midnight where the grid starts
    rows: int
    placements: list[Placement] = field(default_factory=list)
    hours: list[tuple[int, str]] = field(default_factory=list)  # (row, "09:00")


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def build(event: Event, items: list[AgendaItem], rooms: list[Room]) -> list[Day]:
    """Days of the agenda with every item placed on the grid, in local time."""
    days = []
    # Keyed by room_id, None included: an item without a room gets the default column.
    room_columns: dict[int | None, int] = {room.id: index for index, room in enumerate(rooms)}
    without_room = any(item.room_id is None for item in items)
    columns = [room.name for room in rooms] + (["—"] if without_room else [])
    local_day = lambda item: event.local(item.starts_at).date()  # noqa: E731
    for day, group in groupby(sorted(items, key=lambda i: i.starts_at), key=local_day):
        day_items = list(group)
        starts = [_minutes(event.local(i.starts_at)) for i in day_items]
        ends = [
            _minutes(event.local(i.ends_at)) if event.local(i.ends_at).date() == day else 24 * 60
            for i in day_items
        ]
        first = min(starts) // 60 * 60
        last = -(-max(ends) // 60) * 60
        grid = Day(
            date=day, columns=columns, first_minute=first, rows=(last - first) // SLOT_MINUTES
        )
        for item, start, end in zip(day_items, starts, ends, strict=True):
            column = room_columns.get(item.room_id, len(rooms)) + 2
            row = (start - first) // SLOT_MINUTES + 2
            span = max(1, -(-(end - start) // SLOT_MINUTES))
            grid.placements.append(Placement(item, column, row, span))
        grid.hours = [
            ((m - first) // SLOT_MINUTES + 2, f"{m // 60:02d}:00") for m in range(first, last, 60)
        ]
        days.append(grid)
    return days
