"""Small builders for test data, like Indico's make_event/make_registration fixtures.

Each takes keyword overrides and adds the object to the session without committing.
"""

from datetime import UTC, datetime, timedelta
from itertools import count

from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Category,
    Event,
    ItemKind,
    Person,
    Question,
    QuestionKind,
    Registration,
    RoleKind,
    Room,
    Status,
)

_seq = count(1)

START = datetime(2030, 5, 14, 7, 0, tzinfo=UTC)  # 09:00 in Brussels (summer time)


def make_event(**kw) -> Event:
    n = next(_seq)
    starts = kw.pop("starts_at", START)
    event = Event(
        slug=kw.pop("slug", f"event-{n}"),
        title=kw.pop("title", f"Event {n}"),
        timezone=kw.pop("timezone", "Europe/Brussels"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(hours=9)),
        capacity=kw.pop("capacity", 100),
        published=kw.pop("published", True),
        **kw,
    )
    db.session.add(event)
    return event


def make_room(event: Event, **kw) -> Room:
    room = Room(event=event, name=kw.pop("name", f"Room {next(_seq)}"), **kw)
    db.session.add(room)
    return room


def make_person(event: Event, **kw) -> Person:
    person = Person(
        event=event,
        given_name=kw.pop("given_name", "Ana"),
        family_name=kw.pop("family_name", f"Speaker {next(_seq)}"),
        **kw,
    )
    db.session.add(person)
    return person


def make_item(event: Event, **kw) -> AgendaItem:
    starts = kw.pop("starts_at", event.starts_at)
    item = AgendaItem(
        event=event,
        kind=kw.pop("kind", ItemKind.TALK),
        title=kw.pop("title", "A talk"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(minutes=45)),
        **kw,
    )
    db.session.add(item)
    return item


def add_role(item: AgendaItem, person: Person, role: RoleKind, position: int = 0) -> AgendaRole:
    link = AgendaRole(item=item, person=person, role=role, position=position)
    db.session.add(link)
    return link


def make_registration(event: Event, **kw) -> Registration:
    n = next(_seq)
    registration = Registration(
        event=event,
        given_name=kw.pop("given_name", "Participant"),
        family_name=kw.pop("family_name", str(n)),
        email=kw.pop("email", f"p{n}@example.org"),
        category=kw.pop("category", Category.PARTICIPANT),
        status=kw.pop("status", Status.CONFIRMED),
        **kw,
    )
    db.session.add(registration)
    return registration


def make_question(event: Event, **kw) -> Question:
    """A custom question at the end of the event's sign-up form."""
    question = Question(
        event=event,
        kind=kw.pop("kind", QuestionKind.SHORT_TEXT),
        label=kw.pop("label", f"Question {next(_seq)}"),
        position=kw.pop("position", len(event.questions)),
        **kw,
    )
    db.session.add(question)
    return question
