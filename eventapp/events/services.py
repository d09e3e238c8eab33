"""Organisers' changes to events, rooms, speakers, agenda items and sign-up questions.

Plain functions over models: the view parses the form and checks access, these apply
the change and log it, the view commits once.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.core.changelog import diff, record, snapshot
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Event,
    Person,
    Question,
    Registration,
    RoleKind,
    Room,
    User,
)
from eventapp.printing.programme import SIZES as PROGRAMME_SIZES
from eventapp.printing.programme import programme_size

EVENT_FIELDS = ("title", "subtitle", "slug", "timezone", "starts_at", "ends_at", "venue_name",
                "venue_address", "capacity", "registration_opens_at",
                "registration_closes_at", "moderation", "published", "description",
                "privacy_notice")
ROOM_FIELDS = ("name", "capacity")
PERSON_FIELDS = ("honorific", "given_name", "family_name", "position", "organisation",
                 "country", "email", "bio", "photo")
ITEM_FIELDS = ("kind", "title", "starts_at", "ends_at", "room_id", "description")
QUESTION_FIELDS = ("kind", "label", "help_text", "required", "choices")


def _apply(obj: Any, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, list]:
    """Set the given fields on obj; the {field: [old, new]} that actually changed."""
    before = snapshot(obj, fields)
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])
    return diff(before, snapshot(obj, fields))


def slug_taken(slug: str, exclude: Event | None = None) -> bool:
    query = select(Event.id).where(Event.slug == slug)
    if exclude is not None:
        query = query.where(Event.id != exclude.id)
    return db.session.scalar(query) is not None


def create_event(data: dict[str, Any], creator: User | None = None) -> Event:
    """A blank event; its creator (an organiser) becomes one of its managers."""
    event = Event(key_figures=[])
    _apply(event, data, EVENT_FIELDS)
    _set_programme_size(event, data)
    db.session.add(event)
    if creator is not None and not creator.manages(event):
        event.managers.append(creator)
    db.session.flush()
    record(event, "event", event.id, "create", _("Event “%(title)s” created", title=event.title))
    return event


def update_event(event: Event, data: dict[str, Any]) -> dict[str, list]:
    changes = _apply(event, data, EVENT_FIELDS)
    changes.update(_set_programme_size(event, data))
    if changes:
        record(event, "event", event.id, "update", _("Event settings changed"), changes)
    return changes


def _set_programme_size(event: Event, data: dict[str, Any]) -> dict[str, list]:
    """The programme's page size lives in the event's print settings (JSON)."""
    size = data.get("programme_size")
    before = programme_size(event)
    if size not in PROGRAMME_SIZES or size == before:
        return {}
    # A new dict, so SQLAlchemy sees the JSON column change.
    event.print_settings = {**(event.print_settings or {}), "programme_size": size}
    return {"programme_size": [before, size]}


def _save(event: Event, obj: Any, data: dict[str, Any], fields: tuple[str, ...], *,
          new: Callable[[], Any], entity: str, created: Callable[[Any], str],
          changed: Callable[[Any], str]) -> Any:
    """Create (obj None) or update an object of the event, and log what changed."""
    if obj is None:
        obj = new()
        _apply(obj, data, fields)
        db.session.add(obj)
        db.session.flush()
        record(event, entity, obj.id, "create", created(obj), snapshot(obj, fields))
        return obj
    changes = _apply(obj, data, fields)
    if changes:
        record(event, entity, obj.id, "update", changed(obj), changes)
    return obj


def save_room(event: Event, room: Room | None, data: dict[str, Any]) -> Room:
    return _save(event, room, data, ROOM_FIELDS, entity="room",
                 new=lambda: Room(event=event, position=len(event.rooms)),
                 created=lambda r: _("Room “%(name)s” added", name=r.name),
                 changed=lambda r: _("Room “%(name)s” changed", name=r.name))


def room_name_taken(event: Event, name: str, exclude: Room | None = None) -> bool:
    """Room names are unique per event, whatever the letter case."""
    return any(r.name.casefold() == name.casefold() and r is not exclude for r in event.rooms)


def delete_room(room: Room) -> None:
    """Its items stay on the agenda, without a room (the foreign key says SET NULL)."""
    record(room.event, "room", room.id, "delete", _("Room “%(name)s” deleted", name=room.name),
           snapshot(room, ROOM_FIELDS))
    for item in room.event.agenda_items:
        if item.room_id == room.id:
            item.room = None
    db.session.delete(room)


def save_person(event: Event, person: Person | None, data: dict[str, Any]) -> Person:
    return _save(event, person, data, PERSON_FIELDS, entity="person",
                 new=lambda: Person(event=event),
                 created=lambda p: _("Speaker %(name)s added", name=p.full_name),
                 changed=lambda p: _("Speaker %(name)s changed", name=p.full_name))


def delete_person(person: Person) -> None:
    """Removes them from every agenda item too (their registration, if any, stays)."""
    record(person.event, "person", person.id, "delete",
           _("Speaker %(name)s deleted", name=person.full_name),
           snapshot(person, PERSON_FIELDS))
    db.session.delete(person)


def photo_unused(name: str) -> bool:
    """No speaker profile of any event shows this photo file: it may be deleted. (Events
    copied before each copy had its own file share one.)"""
    return db.session.scalar(select(Person.id).where(Person.photo == name).limit(1)) is None


def save_item(event: Event, item: AgendaItem | None, data: dict[str, Any]) -> AgendaItem:
    return _save(event, item, data, ITEM_FIELDS, entity="agenda_item",
                 new=lambda: AgendaItem(event=event, position=0),
                 created=lambda i: _("“%(title)s” added to the agenda", title=i.title),
                 changed=lambda i: _("“%(title)s” changed", title=i.title))


def delete_item(item: AgendaItem) -> None:
    record(item.event, "agenda_item", item.id, "delete",
           _("“%(title)s” removed from the agenda", title=item.title),
           snapshot(item, ITEM_FIELDS))
    db.session.delete(item)


def find_or_create_person(event: Event, name: str, organisation: str = "") -> Person:
    """The event's speaker called `name` (as listed: "Given Family"), or a new profile.

    The type-ahead offers "Given Family — Organisation"; the part after the dash is
    ignored when matching.
    """
    wanted = name.split(" — ")[0].strip().casefold()
    for person in event.people:
        if person.full_name.casefold() == wanted or person.display_name.casefold() == wanted:
            return person
    given, _sep, family = name.split(" — ")[0].strip().rpartition(" ")
    if not given:  # a single word is a given name
        given, family = family, ""
    return save_person(event, None, {"given_name": given, "family_name": family,
                                     "organisation": organisation})


def people_in_role(item: AgendaItem, role: RoleKind) -> list[AgendaRole]:
    return sorted((r for r in item.roles if r.role == role), key=lambda r: r.position)


def set_managers(event: Event, users: list[User]) -> None:
    before = sorted(u.email for u in event.managers)
    event.managers = users
    after = sorted(u.email for u in users)
    if before != after:
        record(event, "event", event.id, "managers", _("Managers changed"),
               {"managers": [before, after]})


# --- Custom sign-up questions ------------------------------------------------------------

def save_question(event: Event, question: Question | None, data: dict[str, Any]) -> Question:
    """Add a question at the end of the form, or change one."""
    return _save(event, question, data, QUESTION_FIELDS, entity="question",
                 new=lambda: Question(event=event, position=max(
                     (q.position + 1 for q in event.questions), default=0)),
                 created=lambda q: _("Question “%(label)s” added", label=q.label),
                 changed=lambda q: _("Question “%(label)s” changed", label=q.label))


def question_label_taken(event: Event, label: str, exclude: Question | None = None) -> bool:
    """Labels are unique per event, whatever the letter case: they head the export's
    columns, and an import finds the answers by them."""
    return any(q.label.casefold() == label.casefold() and q is not exclude
               for q in event.questions)


def answer_counts(event: Event) -> Counter:
    """{question id: how many registrations hold an answer to it}. JSON keys cannot be
    queried the same way on SQLite and PostgreSQL, and an event has a few thousand
    registrations at most: they are counted here."""
    counts: Counter = Counter()
    for answers in db.session.scalars(select(Registration.answers).where(
            Registration.event_id == event.id)):
        counts.update(int(key) for key in (answers or {}) if key.isdigit())
    return counts


def delete_question(question: Question) -> int:
    """Delete the question and the answers given to it (the export loses its column);
    how many answers went. The answers are personal data nobody could see any more."""
    event, key = question.event, str(question.id)
    removed = 0
    for registration in db.session.scalars(select(Registration).where(
            Registration.event_id == event.id)):
        if key in (registration.answers or {}):
            registration.answers = {k: v for k, v in registration.answers.items()
                                    if k != key}
            removed += 1
    record(event, "question", question.id, "delete",
           _("Question “%(label)s” deleted with its %(num)d answers", label=question.label,
             num=removed), {**snapshot(question, QUESTION_FIELDS), "answers": removed})
    event.questions.remove(question)
    db.session.delete(question)
    return removed


def move_question(question: Question, offset: int) -> None:
    """Move a question up (offset < 0) or down (offset > 0) on the form; past the top or
    the bottom is the top or the bottom. Positions are renumbered 0..n-1."""
    order = sorted(question.event.questions, key=lambda q: (q.position, q.id))
    before = [q.label for q in order]
    index = order.index(question)
    order.remove(question)
    order.insert(max(0, min(len(order), index + offset)), question)
    for position, q in enumerate(order):
        q.position = position
    after = [q.label for q in order]
    if after != before:
        record(question.event, "question", question.id, "reorder",
               _("Questions reordered"), {"order": [before, after]})
