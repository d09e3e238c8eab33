"""Speaker profiles: the people who appear on the agenda (not registrations)."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.core.changelog import record, save_logged, snapshot
from eventapp.extensions import db
from eventapp.models import Event, Person

PERSON_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "position",
    "organisation",
    "country",
    "email",
    "bio",
    "photo",
)


def save_person(event: Event, person: Person | None, data: dict[str, Any]) -> Person:
    return save_logged(
        event,
        person,
        data,
        PERSON_FIELDS,
        entity="person",
        new=lambda: Person(event=event),
        created=lambda p: _("Speaker %(name)s added", name=p.full_name),
        changed=lambda p: _("Speaker %(name)s changed", name=p.full_name),
    )


def delete_person(person: Person) -> None:
    """Removes them from every agenda item too (their registration, if any, stays)."""
    record(
        person.event,
        "person",
        person.id,
        "delete",
        _("Speaker %(name)s deleted", name=person.full_name),
        snapshot(person, PERSON_FIELDS),
    )
    db.session.delete(person)


def photo_unused(name: str) -> bool:
    """No speaker profile of any event shows this photo file: it may be deleted. (Events
    copied before each copy had its own file share one.)"""
    return db.session.scalar(select(Person.id).where(Person.photo == name).limit(1)) is None


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
    return save_person(
        event, None, {"given_name": given, "family_name": family, "organisation": organisation}
    )
