"""The automatic reminder before the event: an event setting (days before the start;
none: no reminder). When it is due, the periodic task (tasks.send_due) sends it once to
each confirmed person with an address, as a message of kind "reminder" whose text is
ours (email/reminder.*: the practical details, the agenda, the e-ticket), in each
person's language, through the same batches as organisers' messages.

Once: the event is claimed by one UPDATE of reminder_sent_at, and each person's copy is
unique to the message. People confirmed after the reminder went out get none: their
confirmation carries the same e-ticket and practical details.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from eventapp.extensions import db
from eventapp.models import Event, MessageKind, MessageStatus, OrganiserMessage
from eventapp.models.types import utcnow


def due_at(event: Event) -> datetime | None:
    """When the event's reminder goes, or None when it has none."""
    if event.reminder_days is None:
        return None
    return event.starts_at - timedelta(days=event.reminder_days)


def claim_due(now: datetime | None = None) -> list[int]:
    """Start the reminders that are due (and not sent), for events not begun yet: ids of
    the reminder messages made, to be sent by the task. Commits."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Event).where(
            Event.reminder_days.is_not(None),
            Event.reminder_sent_at.is_(None),
            Event.starts_at > now,
        )
    ).all()
    started = []
    for event in candidates:
        when = due_at(event)
        if when is None or when > now:
            continue
        # One UPDATE: two schedulers at once make one reminder.
        claimed = db.session.execute(
            update(Event)
            .where(Event.id == event.id, Event.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        message = OrganiserMessage(
            event_id=event.id,
            kind=MessageKind.REMINDER,
            status=MessageStatus.SENDING,
            recipients={"status": "confirmed"},
            started_at=now,
            progress_at=now,
        )
        db.session.add(message)
        db.session.commit()
        started.append(message.id)
    return started
