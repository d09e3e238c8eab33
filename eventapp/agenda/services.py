"""Changes to the agenda: items, shifting when running late, people in roles.

Plain functions over models, like every service: no request, no flash, no commit (the
view commits once). Each change is written to the change log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from eventapp.core.changelog import record, save_logged, snapshot
from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, Person, RoleKind

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
        select(AgendaItem)
        .where(AgendaItem.id == item.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    start = item.starts_at
    local_day = event.local(start).date()
    next_midnight = datetime.combine(local_day + timedelta(days=1), time(0), event.tz)
    moved = list(
        db.session.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.event_id == event.id,
                AgendaItem.starts_at >= start,
                AgendaItem.starts_at < next_midnight.astimezone(UTC),
            )
            .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    delta = timedelta(minutes=minutes)
    for later in moved:
        # Both ends move together, so "ends after it starts" holds throughout.
        later.starts_at += delta
        later.ends_at += delta
    record(
        event,
        "agenda_item",
        item.id,
        "shift",
        ngettext(
            "%(num)d item from %(time)s moved by %(minutes)+d min",
            "%(num)d items from %(time)s moved by %(minutes)+d min",
            len(moved),
            time=event.local(start).strftime("%H:%M"),
            minutes=minutes,
        ),
        {"minutes": minutes, "item_ids": [later.id for later in moved]},
    )
    return moved


def _lock_agenda(event: Event) -> None:
    """Take the event's row lock until commit, so that shifts of one agenda run one after
    the other (PostgreSQL; SQLite has a single writer anyway).

    Locking only the items would let two shifts from different items of one day lock
    rows in crossing orders and deadlock. FOR NO KEY UPDATE leaves the key-share locks
    that sign-ups take on the event (through their foreign key) free.
    """
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update(key_share=True))


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
            item.roles.append(AgendaRole(person=people[person_id], role=role, position=position))
    after = [people[person_id].full_name for person_id in wanted]
    if [r.person_id for r in current] != wanted:
        reordered = set(rows) == set(wanted)
        summary = (
            _("%(role)s of “%(title)s” reordered", role=ROLE_GROUPS[role], title=item.title)
            if reordered
            else _("%(role)s of “%(title)s” changed", role=ROLE_GROUPS[role], title=item.title)
        )
        record(
            item.event,
            "agenda_item",
            item.id,
            "reorder" if reordered else "update",
            summary,
            {role.value: [before, after]},
        )
    return [people[person_id] for person_id in wanted]


def _people_of_event(event_id: int, person_ids: list[int]) -> dict[int, Person]:
    """The persons by id; ValueError when one is missing or belongs to another event."""
    if not person_ids:
        return {}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))}
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
    order = [r.person_id for r in sorted(item.roles, key=lambda r: r.position) if r.role == role]
    if person_id not in order:
        raise ValueError(f"person {person_id} is not a {role.value} of this item")
    index = order.index(person_id)
    order.remove(person_id)
    # Past the top or the bottom is the top or the bottom.
    order.insert(max(0, min(len(order), index + offset)), person_id)
    return set_people(item, role, order)


# --- Items ---------------------------------------------------------------------------------


ITEM_FIELDS = ("kind", "title", "starts_at", "ends_at", "room_id", "description")


def save_item(event: Event, item: AgendaItem | None, data: dict[str, Any]) -> AgendaItem:
    return save_logged(
        event,
        item,
        data,
        ITEM_FIELDS,
        entity="agenda_item",
        new=lambda: AgendaItem(event=event, position=0),
        created=lambda i: _("“%(title)s” added to the agenda", title=i.title),
        changed=lambda i: _("“%(title)s” changed", title=i.title),
    )


def delete_item(item: AgendaItem) -> None:
    record(
        item.event,
        "agenda_item",
        item.id,
        "delete",
        _("“%(title)s” removed from the agenda", title=item.title),
        snapshot(item, ITEM_FIELDS),
    )
    db.session.delete(item)


def people_in_role(item: AgendaItem, role: RoleKind) -> list[AgendaRole]:
    return sorted((r for r in item.roles if r.role == role), key=lambda r: r.position)
