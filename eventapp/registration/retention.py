"""Retention: an event's registrations are anonymised once its retention period (days
after its end, an event setting; none keeps them) has passed. A daily task (tasks.py)
runs `anonymise_due`; running it again erases nothing more, and a registration added
after the period has passed is erased at the next run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.models.types import utcnow
from eventapp.registration.services import anonymise_event


def erase_after(event: Event) -> datetime | None:
    """When the event's registrations are due to be anonymised; None: kept."""
    if event.retention_days is None:
        return None
    return event.ends_at + timedelta(days=event.retention_days)


def due_events(now: datetime | None = None) -> list[Event]:
    """The events whose retention period has passed with registrations not anonymised."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Event)
        .where(
            Event.retention_days.is_not(None),
            exists().where(Registration.event_id == Event.id, Registration.anonymised_at.is_(None)),
        )
        .order_by(Event.id)
    )
    # The period is in days after the end, in Python: date arithmetic on a column differs
    # between SQLite and PostgreSQL, and there are few events.
    return [e for e in candidates if (due := erase_after(e)) is not None and due <= now]


@dataclass
class Anonymised:
    event_slug: str
    registrations: int


def anonymise_due(now: datetime | None = None) -> list[Anonymised]:
    """Anonymise the registrations of every due event, committing after each (the event
    and its change log record when and how many); what was done."""
    done = []
    for event in due_events(now):
        erased = anonymise_event(event)
        db.session.commit()
        done.append(Anonymised(event.slug, erased))
    return done
