"""Reading what the public may see."""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, Person


def published_events() -> list[Event]:
    return list(
        db.session.scalars(select(Event).where(Event.published.is_(True)).order_by(Event.starts_at))
    )


def get_published_event_or_404(slug: str) -> Event:
    """The event, or 404 when it does not exist or is not published (no hint which)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug, Event.published.is_(True)))
    if event is None:
        abort(404)
    return event


def agenda(event: Event) -> list[AgendaItem]:
    """The event's items by time, with rooms and people loaded in three queries in all."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.event_id == event.id)
            .options(
                selectinload(AgendaItem.room),
                selectinload(AgendaItem.roles).selectinload(AgendaRole.person),
            )
            .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
        )
    )


def speakers(event: Event) -> list[Person]:
    """People who appear on the agenda, by family name."""
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.event_id == event.id, Person.roles.any())
            .order_by(Person.family_name, Person.given_name)
        )
    )


def get_speaker_or_404(event: Event, person_id: int) -> Person:
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.event_id == event.id)
        .options(selectinload(Person.roles).selectinload(AgendaRole.item))
    )
    if person is None:
        abort(404)
    return person
