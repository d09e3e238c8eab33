"""Agenda conflicts: flagged for the organiser, never blocking a save.

Five kinds:

- ``person_double_booked``: one person in two items that overlap in time;
- ``room_overlap``: two items that overlap in one room (items without a room, such as a
  coffee break in no particular place, never clash on room);
- ``outside_event``: an item on a day outside the event's days;
- ``panel_without_moderator``: a panel nobody moderates;
- ``speaker_without_bio``: a person on the agenda whose profile has no bio.

Two items overlap when ``a.starts_at < b.ends_at and b.starts_at < a.ends_at``: one
that ends at 10:00 and one that starts at 10:00 follow each other and do not clash.

"Outside the event's days" compares local dates, not times: an item is flagged when it
starts before the event's first local day or ends after its last one. Arrival coffee
at 08:00 before an event announced from 08:30, or a reception after the official end,
is normal on the day; what needs a flag is an item left on the wrong date (a typo, or
an event moved without its agenda).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask_babel import gettext as _

from eventapp.core.i18n import format_locale
from eventapp.models import AgendaItem, Event, ItemKind, Person, RoleKind

PERSON_DOUBLE_BOOKED = "person_double_booked"
ROOM_OVERLAP = "room_overlap"
OUTSIDE_EVENT = "outside_event"
PANEL_WITHOUT_MODERATOR = "panel_without_moderator"
SPEAKER_WITHOUT_BIO = "speaker_without_bio"

#: Order of the kinds among conflicts that begin at the same time.
KINDS = (
    PERSON_DOUBLE_BOOKED,
    ROOM_OVERLAP,
    OUTSIDE_EVENT,
    PANEL_WITHOUT_MODERATOR,
    SPEAKER_WITHOUT_BIO,
)


@dataclass(frozen=True)
class Conflict:
    """One flag on the agenda: what kind, which items, a sentence for the organiser."""

    kind: str
    item_ids: tuple[int, ...]
    message: str
    person_id: int | None = None


def _agenda_order(item: AgendaItem) -> tuple:
    """Sort key: by time, then as the organiser ordered parallel items; id last so that
    the result never depends on the order the items were given in."""
    return (item.starts_at, item.ends_at, item.position, item.id)


def overlapping_pairs(items: Iterable[AgendaItem]) -> list[tuple[AgendaItem, AgendaItem]]:
    """Every pair of items that overlap in time, earlier item first.

    A sweep over the items sorted by start: O(n log n) plus one step per pair found,
    instead of comparing every item with every other.
    """
    pairs: list[tuple[AgendaItem, AgendaItem]] = []
    running: list[AgendaItem] = []  # items started and not yet over, in agenda order
    for item in sorted(items, key=_agenda_order):
        # Whatever ended by this start cannot clash with it nor with anything later.
        running = [other for other in running if other.ends_at > item.starts_at]
        pairs.extend((other, item) for other in running)
        running.append(item)
    return pairs


def find_conflicts(event: Event, items: Iterable[AgendaItem]) -> list[Conflict]:
    """Every conflict in the agenda, in agenda order (then by kind), the same on every call.

    `items` are the event's items with their room and roles (and the roles' people)
    loaded. Messages are translated here, so call this within a request or app context.
    """
    items = sorted(items, key=_agenda_order)
    rank = {item.id: index for index, item in enumerate(items)}
    people = _items_per_person(items)
    conflicts = [
        *_double_bookings(people),
        *_room_overlaps(items),
        *_outside_event(event, items),
        *_panels_without_moderator(items),
        *_speakers_without_bio(people),
    ]
    conflicts.sort(
        key=lambda c: (
            min(rank[i] for i in c.item_ids),
            KINDS.index(c.kind),
            [rank[i] for i in c.item_ids],
            c.person_id or 0,
        )
    )
    return conflicts


def conflicts_by_item(conflicts: Iterable[Conflict]) -> dict[int, list[Conflict]]:
    """The conflicts each item takes part in, for flags on the timeline."""
    flags: dict[int, list[Conflict]] = defaultdict(list)
    for conflict in conflicts:
        for item_id in conflict.item_ids:
            flags[item_id].append(conflict)
    return dict(flags)


def _items_per_person(items: list[AgendaItem]) -> dict[int, tuple[Person, list[AgendaItem]]]:
    """Each person on the agenda with their items, each item once even when the person
    holds two roles in it (moderator and speaker of one session is no double booking)."""
    people: dict[int, tuple[Person, list[AgendaItem]]] = {}
    for item in items:  # already in agenda order, so each person's items are too
        for role in item.roles:
            own_items = people.setdefault(role.person_id, (role.person, []))[1]
            if not own_items or own_items[-1] is not item:
                own_items.append(item)
    return people


def _double_bookings(people: dict[int, tuple[Person, list[AgendaItem]]]) -> list[Conflict]:
    """A person in two items at the same time: one conflict per pair of items."""
    conflicts = []
    for person_id, (person, own_items) in people.items():
        for first, second in overlapping_pairs(own_items):
            conflicts.append(
                Conflict(
                    PERSON_DOUBLE_BOOKED,
                    (first.id, second.id),
                    _(
                        "%(name)s is in “%(first)s” and “%(second)s” at the same time.",
                        name=person.full_name,
                        first=first.title,
                        second=second.title,
                    ),
                    person_id=person_id,
                )
            )
    return conflicts


def _room_overlaps(items: list[AgendaItem]) -> list[Conflict]:
    """Two items in one room at the same time: one conflict per pair of items."""
    per_room: dict[int, list[AgendaItem]] = defaultdict(list)
    for item in items:
        if item.room_id is not None:  # no room, no clash: breaks happen everywhere
            per_room[item.room_id].append(item)
    conflicts = []
    for room_items in per_room.values():
        for first, second in overlapping_pairs(room_items):
            assert first.room is not None  # grouped by a room_id that is set
            conflicts.append(
                Conflict(
                    ROOM_OVERLAP,
                    (first.id, second.id),
                    _(
                        "“%(first)s” and “%(second)s” overlap in %(room)s.",
                        first=first.title,
                        second=second.title,
                        room=first.room.name,
                    ),
                )
            )
    return conflicts


def last_day(event: Event, end: datetime) -> date:
    """The local day a period ending at `end` finishes on: ending at midnight sharp
    finishes the day before, not the next one."""
    return event.local(end - timedelta(microseconds=1)).date()


def _outside_event(event: Event, items: list[AgendaItem]) -> list[Conflict]:
    """Items that start before the event's first day or end after its last day."""
    first, last = event.local(event.starts_at).date(), last_day(event, event.ends_at)
    conflicts = []
    for item in items:
        if event.local(item.starts_at).date() < first or last_day(event, item.ends_at) > last:
            conflicts.append(
                Conflict(OUTSIDE_EVENT, (item.id,), _outside_message(item, first, last))
            )
    return conflicts


def _outside_message(item: AgendaItem, first: date, last: date) -> str:
    """ "“Lunch” is not on the day of the event (12 March 2024)." and the like."""
    locale = format_locale()
    if first == last:
        return _(
            "“%(title)s” is not on the day of the event (%(day)s).",
            title=item.title,
            day=format_date(first, "long", locale=locale),
        )
    return _(
        "“%(title)s” is not within the event's days (%(first)s to %(last)s).",
        title=item.title,
        first=format_date(first, "long", locale=locale),
        last=format_date(last, "long", locale=locale),
    )


def _panels_without_moderator(items: list[AgendaItem]) -> list[Conflict]:
    """Panels with nobody in the moderator role (a chair does not count: the public
    agenda lists moderators separately, and an empty moderator line is what to flag)."""
    return [
        Conflict(
            PANEL_WITHOUT_MODERATOR,
            (item.id,),
            _("“%(title)s” is a panel without a moderator.", title=item.title),
        )
        for item in items
        if item.kind == ItemKind.PANEL
        and not any(role.role == RoleKind.MODERATOR for role in item.roles)
    ]


def _speakers_without_bio(people: dict[int, tuple[Person, list[AgendaItem]]]) -> list[Conflict]:
    """People on the agenda (in any role) without a bio: once per person, with all their
    items, because the fix is one edit of their profile."""
    return [
        Conflict(
            SPEAKER_WITHOUT_BIO,
            tuple(item.id for item in own_items),
            _("%(name)s has no bio for the speakers page.", name=person.full_name),
            person_id=person_id,
        )
        for person_id, (person, own_items) in people.items()
        if not (person.bio or "").strip()
    ]
