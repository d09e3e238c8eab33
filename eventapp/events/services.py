"""Events: create, change settings, choose managers, copy a past event.

Plain functions over models: the view parses the form and checks access, these apply
the change and log it, the view commits once.
"""

import copy
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.core.changelog import apply_changes, record
from eventapp.core.i18n import LANGUAGES
from eventapp.core.translated import set_translations
from eventapp.extensions import db
from eventapp.media.photos import copy_photo
from eventapp.models import AgendaItem, AgendaRole, Event, Person, Question, Room, User
from eventapp.printing.programme import SIZES as PROGRAMME_SIZES
from eventapp.printing.programme import programme_size

EVENT_FIELDS = (
    "title",
    "subtitle",
    "slug",
    "timezone",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "moderation",
    "reminder_days",
    "published",
    "description",
    "privacy_notice",
    "retention_days",
    "language",
    "extra_languages",
)


def slug_taken(slug: str, exclude: Event | None = None) -> bool:
    query = select(Event.id).where(Event.slug == slug)
    if exclude is not None:
        query = query.where(Event.id != exclude.id)
    return db.session.scalar(query) is not None


def create_event(data: dict[str, Any], creator: User | None = None) -> Event:
    """A blank event; its creator (an organiser) becomes one of its managers."""
    event = Event(key_figures=[])
    apply_changes(event, _languages(data), EVENT_FIELDS)
    _set_programme_size(event, data)
    db.session.add(event)
    if creator is not None and not creator.manages(event):
        event.managers.append(creator)
    db.session.flush()
    record(event, "event", event.id, "create", _("Event “%(title)s” created", title=event.title))
    return event


def _languages(data: dict[str, Any]) -> dict[str, Any]:
    """The main language as chosen; the others without it, in the switcher's order.
    Texts of a language no longer offered are kept (see core/translated.py)."""
    if "language" not in data:
        return data
    main = data["language"]
    if main not in LANGUAGES:
        raise ValueError(f"unknown language {main!r}")
    chosen = set(data.get("extra_languages") or ())
    extra = [code for code in LANGUAGES if code in chosen and code != main]
    return {**data, "extra_languages": extra}


def update_event(event: Event, data: dict[str, Any]) -> dict[str, list]:
    """The settings as given; `data["translations"]` holds the texts in the event's
    other languages ({language: {field: text}}, see core/translated.py)."""
    changes = apply_changes(event, _languages(data), EVENT_FIELDS)
    changes.update(set_translations(event, data.get("translations") or {}))
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


def set_managers(event: Event, users: list[User]) -> None:
    before = sorted(u.email for u in event.managers)
    event.managers = users
    after = sorted(u.email for u in users)
    if before != after:
        record(
            event,
            "event",
            event.id,
            "managers",
            _("Managers changed"),
            {"managers": [before, after]},
        )


# --- A new event from an old one -----------------------------------------------------------


def copy_event(source: Event, *, slug: str, title: str, start_date: date) -> Event:
    """A new, unpublished event like `source`, starting on `start_date`.

    Copies the event's settings (travel support's currency and budgets included), rooms,
    speaker profiles, agenda (with the people in their roles) and sign-up questions
    (without their answers). Every time moves by the same number of days and keeps its
    local wall-clock time, so 08:30 stays 08:30 even when the UTC offset differs (summer
    time). Agenda items get new guids, so calendars never confuse them with the old ones.
    Registrations (and their travel support), managers and the change log stay with the
    source.
    """
    zone = source.tz
    days = (start_date - source.local(source.starts_at).date()).days

    def moved(moment: datetime | None) -> datetime | None:
        return None if moment is None else same_local_time_later(moment, zone, days)

    # One flush at the end: the new event goes in whole (its agenda revision starts at
    # 0), and a role made for a speaker already on an earlier item is not dropped from
    # the speaker's roles by an autoflush before its item joins the session.
    with db.session.no_autoflush:
        event = Event(
            slug=slug,
            title=title,
            subtitle=source.subtitle,
            description=source.description,
            timezone=source.timezone,
            starts_at=moved(source.starts_at),
            ends_at=moved(source.ends_at),
            venue_name=source.venue_name,
            venue_address=source.venue_address,
            capacity=source.capacity,
            registration_opens_at=moved(source.registration_opens_at),
            registration_closes_at=moved(source.registration_closes_at),
            published=False,
            moderation=source.moderation,
            privacy_notice=source.privacy_notice,
            key_figures=copy.deepcopy(source.key_figures or []),
            language=source.language,
            extra_languages=list(source.extra_languages or []),
            translations=_translations_for_new_title(source, title),
            # Travel support's settings, as a starting point like the capacity.
            currency=source.currency,
            support_on_signup=source.support_on_signup,
            budget_travel=source.budget_travel,
            budget_accommodation=source.budget_accommodation,
            budget_per_diem=source.budget_per_diem,
        )
        db.session.add(event)
        # Built through the new event's collections: the cascade adds them to the session
        # (SQLAlchemy 2 does not cascade along `Room(event=...)` backrefs).
        rooms = {}
        for room in source.rooms:
            rooms[room.id] = Room(
                name=room.name,
                capacity=room.capacity,
                position=room.position,
                translations=copy.deepcopy(room.translations or {}),
            )
            event.rooms.append(rooms[room.id])
        people = {}
        for person in sorted(source.people, key=lambda p: p.id):
            people[person.id] = _copy_person(person)
            event.people.append(people[person.id])
        items = list(
            db.session.scalars(
                select(AgendaItem)
                .where(AgendaItem.event_id == source.id)
                .options(selectinload(AgendaItem.roles))
                .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
            )
        )
        for item in items:
            copied_room = None if item.room_id is None else rooms.get(item.room_id)
            copied = AgendaItem(
                guid=uuid.uuid4(),
                kind=item.kind,
                title=item.title,
                description=item.description,
                starts_at=moved(item.starts_at),
                ends_at=moved(item.ends_at),
                room=copied_room,
                position=item.position,
                translations=copy.deepcopy(item.translations or {}),
            )
            copied.roles = [
                AgendaRole(person=people[role.person_id], role=role.role, position=role.position)
                for role in item.roles
            ]
            event.agenda_items.append(copied)
        for question in source.questions:
            event.questions.append(
                Question(
                    kind=question.kind,
                    label=question.label,
                    help_text=question.help_text,
                    required=question.required,
                    choices=list(question.choices),
                    position=question.position,
                    translations=copy.deepcopy(question.translations or {}),
                )
            )
    db.session.flush()
    record(
        event,
        "event",
        event.id,
        "create",
        _("Copied from “%(title)s”", title=source.title),
        {"copied_from": source.slug},
    )
    return event


def _translations_for_new_title(source: Event, title: str) -> dict[str, dict[str, Any]]:
    """The source's translated texts; its translated titles only if the title is kept
    (a translation of "Forum 2024" would be wrong beside "Forum 2025")."""
    translations = copy.deepcopy(source.translations or {})
    if title != source.title:
        for fields in translations.values():
            fields.pop("title", None)
    return {language: fields for language, fields in translations.items() if fields}


def _copy_person(person: Person) -> Person:
    """The same speaker profile for another event, with a copy of the photo file: each
    event deletes its own (a missing file leaves the copy without a photo)."""
    return Person(
        honorific=person.honorific,
        given_name=person.given_name,
        family_name=person.family_name,
        position=person.position,
        organisation=person.organisation,
        country=person.country,
        bio=person.bio,
        translations=copy.deepcopy(person.translations or {}),
        photo=copy_photo(person.photo),
        email=person.email,
    )


def same_local_time_later(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """`moment` moved by whole days in local time, as UTC: 08:30 in Brussels on a winter
    day becomes 08:30 in Brussels on the summer day, not 09:30."""
    local = moment.astimezone(zone)
    # timetz() carries the zone and the fold (which 02:30 of an autumn night it was).
    return datetime.combine(local.date() + timedelta(days=days), local.timetz()).astimezone(UTC)
