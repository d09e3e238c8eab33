"""The agenda's revision: one number per event that goes up whenever what the agenda
shows changes, so the feeds, the calendar attachment and the programme PDF have a single
answer to "did the agenda change?".

The bump happens in the flush, not in each service: every change made through the ORM
(the organiser pages, the demo loader, an import, a test, a shell) moves it, and a new
service cannot forget it. The flush sets ``agenda_revision = agenda_revision + 1`` in SQL,
so two edits committed at the same time both count. Changes made in raw SQL bypass the
ORM and must call `bump_agenda_revision` themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from eventapp.models.agenda import AgendaItem, AgendaRole
from eventapp.models.event import Event, Room
from eventapp.models.people import Person

#: Columns of the event that no agenda, feed or programme shows: changing them alone
#: (a sign-up window, the seats) keeps every agenda cache.
EVENT_COLUMNS_NOT_SHOWN = frozenset(
    {
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "moderation",
        "privacy_notice",
        "created_at",
        "updated_at",
        "agenda_revision",
    }
)
#: A speaker's e-mail address is for the organisers only.
PERSON_COLUMNS_NOT_SHOWN = frozenset({"email", "created_at", "updated_at"})
#: Session key: {event id: agenda revision} of the published events whose agenda the
#: transaction changed, for whoever acts once it commits (agenda/tasks.py pops it).
CHANGED = "agenda_changed"
_BUMPED = "agenda_bumped"


def bump_agenda_revision(event: Event) -> None:
    """Count one more change to the event's agenda, in SQL at the next flush.

    Only needed for changes the flush does not see; an event not yet in the database
    starts at 0 anyway (its id is new, so no cache holds anything for it).
    """
    if inspect(event).persistent:
        event.agenda_revision = Event.agenda_revision + 1


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def _changed_attributes(obj: Any) -> set[str]:
    """Columns and relationships: a role taken off an item shows as a change of the
    item's `roles` (it is deleted as an orphan only later in the flush)."""
    state = inspect(obj)
    return {attr.key for attr in state.mapper.attrs if state.attrs[attr.key].history.has_changes()}


def _event_id(obj: Any) -> int | None:
    """The event an agenda object belongs to (also for one being deleted)."""
    if isinstance(obj, AgendaRole):
        # An orphaned role has no item any more; the item's changed `roles` counts.
        obj = obj.item
        if obj is None:
            return None
    if obj.event_id is not None:
        return obj.event_id
    return obj.event.id if obj.event is not None else None


def _shows_a_change(obj: Any, deleted: bool) -> bool:
    """Whether this new, changed or deleted object changes what the agenda shows."""
    if deleted or inspect(obj).pending:
        return True
    changed = _changed_attributes(obj)
    if isinstance(obj, Person):
        changed -= PERSON_COLUMNS_NOT_SHOWN
    return bool(changed)


@sa_event.listens_for(Session, "before_flush")
def _bump_on_agenda_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Bump the revision of every event whose agenda this flush changes."""
    events: dict[int, Event] = {}
    pending_events = {obj for obj in session.new if isinstance(obj, Event)}
    for deleted, objects in ((False, session.new), (False, session.dirty), (True, session.deleted)):
        for obj in objects:
            if isinstance(obj, Event):
                if obj in pending_events or deleted:
                    continue
                if _changed_columns(obj) - EVENT_COLUMNS_NOT_SHOWN:
                    events[obj.id] = obj
            elif isinstance(obj, AgendaItem | AgendaRole | Room | Person):
                if not _shows_a_change(obj, deleted):
                    continue
                event_id = _event_id(obj)
                if event_id is not None and event_id not in events:
                    event = session.get(Event, event_id)
                    if event is not None and event not in pending_events:
                        events[event_id] = event
    for event in events.values():
        if event in session.deleted:
            continue
        own_change = bool(_changed_columns(event) - {"agenda_revision"})
        bump_agenda_revision(event)
        session.info.setdefault(_BUMPED, set()).add(event.id)
        if not own_change:
            # The event's own fields did not change: its updated_at (the feeds'
            # Last-Modified reads it) stays as it was.
            event.updated_at = Event.updated_at


@sa_event.listens_for(Session, "after_flush_postexec")
def _note_revisions(session: Session, _context: Any) -> None:
    """Read the revisions the flush just wrote (in SQL, so unknown until now)."""
    bumped = session.info.pop(_BUMPED, None)
    if not bumped:
        return
    rows = session.connection().execute(
        select(Event.id, Event.agenda_revision).where(
            Event.id.in_(bumped), Event.published.is_(True)
        )
    )
    session.info.setdefault(CHANGED, {}).update({row.id: row.agenda_revision for row in rows})


@sa_event.listens_for(Session, "after_rollback")
def _forget_revisions(session: Session) -> None:
    session.info.pop(CHANGED, None)
    session.info.pop(_BUMPED, None)
