"""Changes to the agenda that the organiser pages make: shifting, people in roles, copies.

Plain functions over models, like every service: no request, no flash, no commit (the
view commits once). Each change is written to the change log in the same transaction.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.core.changelog import diff, json_safe, record
from eventapp.extensions import db
from eventapp.media.photos import copy_photo
from eventapp.models import AgendaItem, AgendaRole, Event, Person, Question, RoleKind, Room

#: The people in a role, as the change log's summaries name them.
ROLE_GROUPS = {
    RoleKind.SPEAKER: _l("Speakers"),
    RoleKind.MODERATOR: _l("Moderators"),
    RoleKind.PANELLIST: _l("Panellists"),
    RoleKind.CHAIR: _l("Chairs"),
}


# --- Running late ------------------------------------------------------------------------

def shift_from_here(item: AgendaItem, minutes: int) -> list[AgendaItem]:
    """Move the item and every item after it on the same local day by `minutes`.

    "After it" means starting at or after its start, in any room (parallel sessions and
    breaks run late too), until local midnight in the event's time zone. Negative
    minutes move items earlier. Returns the moved items in agenda order; shifting by 0
    changes and records nothing.
    """
    if minutes == 0:
        return []
    event = item.event
    _lock_agenda(event)
    # Read the item again under the lock: another organiser's shift may have moved it
    # since this request loaded it, and "from here" must mean where it is now.
    item = db.session.scalars(
        select(AgendaItem).where(AgendaItem.id == item.id)
        .with_for_update().execution_options(populate_existing=True)).one()
    start = item.starts_at
    local_day = event.local(start).date()
    next_midnight = datetime.combine(local_day + timedelta(days=1), time(0), event.tz)
    moved = list(db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.event_id == event.id, AgendaItem.starts_at >= start,
               AgendaItem.starts_at < next_midnight.astimezone(UTC))
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
        .with_for_update().execution_options(populate_existing=True)))
    delta = timedelta(minutes=minutes)
    for later in moved:
        # Both ends move together, so "ends after it starts" holds throughout.
        later.starts_at += delta
        later.ends_at += delta
    record(event, "agenda_item", item.id, "shift", ngettext(
        "%(num)d item from %(time)s moved by %(minutes)+d min",
        "%(num)d items from %(time)s moved by %(minutes)+d min",
        len(moved), time=event.local(start).strftime("%H:%M"), minutes=minutes),
        {"minutes": minutes, "item_ids": [later.id for later in moved]})
    return moved


def _lock_agenda(event: Event) -> None:
    """Take the event's row lock until commit, so that shifts of one agenda run one after
    the other (PostgreSQL; SQLite has a single writer anyway).

    Locking only the items would let two shifts from different items of one day lock
    rows in crossing orders and deadlock. FOR NO KEY UPDATE leaves the key-share locks
    that sign-ups take on the event (through their foreign key) free.
    """
    db.session.execute(
        select(Event.id).where(Event.id == event.id).with_for_update(key_share=True))


# --- Who takes part ----------------------------------------------------------------------

def set_people(item: AgendaItem, role: RoleKind, person_ids: Sequence[int]) -> list[Person]:
    """Make the people of the item in `role` exactly `person_ids`, in this order.

    Adds and removes AgendaRole rows and renumbers positions 0..n-1; the other roles of
    the item stay as they are. Raises ValueError for an unknown person, a person of
    another event or a person listed twice. Returns the people in their new order.
    """
    wanted = [int(person_id) for person_id in person_ids]
    if len(set(wanted)) != len(wanted):
        raise ValueError("a person is listed twice")
    people = _people_of_event(item.event_id, wanted)
    current = sorted((r for r in item.roles if r.role == role), key=lambda r: r.position)
    before = [r.person.full_name for r in current]
    rows = {r.person_id: r for r in current}
    for row in current:
        if row.person_id not in people:
            item.roles.remove(row)  # delete-orphan: the row goes at flush
            if row in row.person.roles:
                row.person.roles.remove(row)
    for position, person_id in enumerate(wanted):
        if person_id in rows:
            rows[person_id].position = position
        else:
            item.roles.append(AgendaRole(person=people[person_id], role=role,
                                         position=position))
    after = [people[person_id].full_name for person_id in wanted]
    if [r.person_id for r in current] != wanted:
        reordered = set(rows) == set(wanted)
        summary = (_("%(role)s of “%(title)s” reordered", role=ROLE_GROUPS[role],
                     title=item.title) if reordered else
                   _("%(role)s of “%(title)s” changed", role=ROLE_GROUPS[role],
                     title=item.title))
        record(item.event, "agenda_item", item.id, "reorder" if reordered else "update",
               summary, {role.value: [before, after]})
    return [people[person_id] for person_id in wanted]


def _people_of_event(event_id: int, person_ids: list[int]) -> dict[int, Person]:
    """The persons by id; ValueError when one is missing or belongs to another event."""
    if not person_ids:
        return {}
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_(person_ids)))}
    for person_id in person_ids:
        person = people.get(person_id)
        if person is None or person.event_id != event_id:
            raise ValueError(f"person {person_id} is not a speaker of this event")
    return people


def move_person(item: AgendaItem, role: RoleKind, person_id: int, offset: int) -> list[Person]:
    """Move one person up (offset < 0) or down (offset > 0) in the order of the role.

    The keyboard way to reorder: -1 is one place up, +1 one place down, and any larger
    number goes at most to the top or bottom. ValueError if they are not in that role.
    """
    order = [r.person_id for r in sorted(item.roles, key=lambda r: r.position)
             if r.role == role]
    if person_id not in order:
        raise ValueError(f"person {person_id} is not a {role.value} of this item")
    index = order.index(person_id)
    order.remove(person_id)
    # Past the top or the bottom is the top or the bottom.
    order.insert(max(0, min(len(order), index + offset)), person_id)
    return set_people(item, role, order)


# --- Where and when ----------------------------------------------------------------------

def move_item(item: AgendaItem, *, starts_at: datetime, ends_at: datetime,
              room: Room | None) -> dict[str, list]:
    """Give the item new times and room, logging old and new values.

    Times must be aware (any zone; stored as UTC) and end after the start; the room must
    be one of the event's. Returns {field: [old, new]} of what changed (nothing is logged
    when nothing changed).
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("naive datetime given; give the time zone")
    if ends_at <= starts_at:
        raise ValueError("an item must end after it starts")
    if room is not None and room.event_id != item.event_id:
        raise ValueError("the room belongs to another event")
    before = _placement(item)
    item.starts_at, item.ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    item.room = room
    changes = diff(before, _placement(item))
    if changes:
        record(item.event, "agenda_item", item.id, "update",
               _("“%(title)s” moved", title=item.title), changes)
    return changes


def _placement(item: AgendaItem) -> dict[str, object]:
    """When and where the item is, JSON-safe, to compare before and after a move."""
    return json_safe({"starts_at": item.starts_at, "ends_at": item.ends_at,
                      "room": item.room.name if item.room is not None else None})


# --- A new event from an old one -----------------------------------------------------------

def copy_event(source: Event, *, slug: str, title: str, start_date: date) -> Event:
    """A new, unpublished event like `source`, starting on `start_date`.

    Copies the event's settings, rooms, speaker profiles, agenda (with the people in
    their roles) and sign-up questions (without their answers). Every time moves by the
    same number of days and keeps its local wall-clock time, so 08:30 stays 08:30 even
    when the UTC offset differs (summer time). Agenda items get new guids, so calendars
    never confuse them with the old ones. Registrations, managers and the change log
    stay with the source.
    """
    zone = source.tz
    days = (start_date - source.local(source.starts_at).date()).days

    def moved(moment: datetime | None) -> datetime | None:
        return None if moment is None else same_local_time_later(moment, zone, days)

    event = Event(
        slug=slug, title=title, subtitle=source.subtitle, description=source.description,
        timezone=source.timezone, starts_at=moved(source.starts_at),
        ends_at=moved(source.ends_at), venue_name=source.venue_name,
        venue_address=source.venue_address, capacity=source.capacity,
        registration_opens_at=moved(source.registration_opens_at),
        registration_closes_at=moved(source.registration_closes_at),
        published=False, moderation=source.moderation,
        privacy_notice=source.privacy_notice,
        key_figures=copy.deepcopy(source.key_figures or []),
    )
    db.session.add(event)
    # Built through the new event's collections: the cascade adds them to the session
    # (SQLAlchemy 2 does not cascade along `Room(event=...)` backrefs).
    rooms = {}
    for room in source.rooms:
        rooms[room.id] = Room(name=room.name, capacity=room.capacity, position=room.position)
        event.rooms.append(rooms[room.id])
    people = {}
    for person in sorted(source.people, key=lambda p: p.id):
        people[person.id] = _copy_person(person)
        event.people.append(people[person.id])
    items = list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.event_id == source.id)
        .options(selectinload(AgendaItem.roles))
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)))
    for item in items:
        copied = AgendaItem(
            guid=uuid.uuid4(), kind=item.kind, title=item.title,
            description=item.description, starts_at=moved(item.starts_at),
            ends_at=moved(item.ends_at), room=rooms.get(item.room_id),
            position=item.position)
        copied.roles = [AgendaRole(person=people[role.person_id], role=role.role,
                                   position=role.position) for role in item.roles]
        event.agenda_items.append(copied)
    for question in source.questions:
        event.questions.append(Question(
            kind=question.kind, label=question.label, help_text=question.help_text,
            required=question.required, choices=list(question.choices),
            position=question.position))
    db.session.flush()
    record(event, "event", event.id, "create",
           _("Copied from “%(title)s”", title=source.title), {"copied_from": source.slug})
    return event


def _copy_person(person: Person) -> Person:
    """The same speaker profile for another event, with a copy of the photo file: each
    event deletes its own (a missing file leaves the copy without a photo)."""
    return Person(
        honorific=person.honorific, given_name=person.given_name,
        family_name=person.family_name, position=person.position,
        organisation=person.organisation, country=person.country, bio=person.bio,
        photo=copy_photo(person.photo), email=person.email)


def same_local_time_later(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """`moment` moved by whole days in local time, as UTC: 08:30 in Brussels on a winter
    day becomes 08:30 in Brussels on the summer day, not 09:30."""
    local = moment.astimezone(zone)
    # timetz() carries the zone and the fold (which 02:30 of an autumn night it was).
    return datetime.combine(local.date() + timedelta(days=days), local.timetz()).astimezone(UTC)
