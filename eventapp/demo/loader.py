"""Loads the MIEUX Impact Event demo from the data file shipped beside this module."""

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventapp.demo import participants
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Category,
    Event,
    ItemKind,
    Person,
    Registration,
    RoleKind,
    Room,
    Status,
)

DATA_FILE = Path(__file__).with_name("mieux-impact-2024.toml")
DEFAULT_PARTICIPANTS = 90
#: The partner-country speaker who asked for a visa letter, with fictional passport data.
VISA_SPEAKER = "fortes"
VISA_PASSPORT = {
    "passport_number": "PA0412873",
    "passport_expiry": "2029-06-30",
    "nationality": "CV",
    "birth_date": "1981-09-14",
}

# The data file lists people per role under these keys.
ROLE_KEYS = {
    "speakers": RoleKind.SPEAKER,
    "moderators": RoleKind.MODERATOR,
    "panellists": RoleKind.PANELLIST,
    "chairs": RoleKind.CHAIR,
}


def read_data(path: Path = DATA_FILE) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


def load_demo(
    participant_count: int = DEFAULT_PARTICIPANTS,
    path: Path = DATA_FILE,
    *,
    on: date | None = None,
    seats_left: int | None = None,
) -> Event | None:
    """Create the demo event with its agenda, speakers and registrations.

    ``on`` moves the event to another day, its registration window by as many days, so a
    demo served today can be signed up for (the real event took place in 2024).
    ``seats_left`` sets the capacity to the participants plus that many seats, so the
    waiting list and its promotions can be tried with a sign-up or two.
    Returns None, changing nothing, when an event with the demo's slug exists already.
    The caller commits.
    """
    data = read_data(path)
    spec = data["event"]
    if db.session.scalar(select(Event.id).where(Event.slug == spec["slug"])) is not None:
        return None
    capacity = spec["capacity"] if seats_left is None else participant_count + seats_left
    if participant_count > capacity:
        raise ValueError(f"at most {capacity} participants fit in the demo's capacity")

    zone = ZoneInfo(spec["timezone"])
    day = date.fromisoformat(spec["date"])
    shift = timedelta(days=(on - day).days) if on else timedelta()
    day += shift

    def on_the_day(hhmm: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(hhmm), zone)

    def local(iso: str) -> datetime:
        return datetime.fromisoformat(iso).replace(tzinfo=zone) + shift

    event = Event(
        slug=spec["slug"],
        title=spec["title"],
        subtitle=spec.get("subtitle", ""),
        description=spec.get("description", "").strip(),
        timezone=spec["timezone"],
        starts_at=on_the_day(spec["starts_at"]),
        ends_at=on_the_day(spec["ends_at"]),
        venue_name=spec.get("venue_name", ""),
        venue_address=spec.get("venue_address", ""),
        capacity=capacity,
        registration_opens_at=local(spec["registration_opens"]),
        registration_closes_at=local(spec["registration_closes"]),
        published=spec.get("published", False),
        key_figures=[
            {"value": f["value"], "label": f["label"]} for f in spec.get("key_figures", [])
        ],
    )
    db.session.add(event)

    rooms = {}
    for position, room_spec in enumerate(data.get("rooms", [])):
        rooms[room_spec["key"]] = Room(
            event=event,
            name=room_spec["name"],
            capacity=room_spec.get("capacity"),
            position=position,
        )

    people = {}
    for p in data.get("people", []):
        people[p["key"]] = Person(
            event=event,
            honorific=p.get("honorific", ""),
            given_name=p["given_name"],
            family_name=p.get("family_name", ""),
            position=p.get("position", ""),
            organisation=p.get("organisation", ""),
            country=p.get("country", ""),
            bio=p.get("bio", "").strip(),
            email=p.get("email") or None,
        )

    for position, item_spec in enumerate(data.get("agenda", [])):
        item = AgendaItem(
            event=event,
            kind=ItemKind(item_spec["kind"]),
            title=item_spec["title"],
            description=item_spec.get("description", "").strip(),
            starts_at=on_the_day(item_spec["start"]),
            ends_at=on_the_day(item_spec["end"]),
            room=rooms[item_spec["room"]] if item_spec.get("room") else None,
            position=position,
        )
        for key, role in ROLE_KEYS.items():
            for order, person_key in enumerate(item_spec.get(key, [])):
                item.roles.append(AgendaRole(person=people[person_key], role=role, position=order))
        db.session.add(item)

    # Hosts and speakers hold registrations too (outside the public capacity),
    # so that a badge run or a check-in list covers everyone in the room.
    speaker_registrations = {}
    for key, person in people.items():
        speaker_registrations[key] = Registration(
            event=event,
            person=person,
            honorific=person.honorific,
            given_name=person.given_name,
            family_name=person.family_name,
            email=person.email or f"{key}@speakers.example.org",
            organisation=person.organisation,
            job_title=person.position,
            country=person.country,
            category=Category.SPEAKER,
            status=Status.CONFIRMED,
        )
        db.session.add(speaker_registrations[key])
    _visa_request(event, speaker_registrations.get(VISA_SPEAKER))

    for fake in participants.generate(participant_count):
        db.session.add(
            Registration(
                event=event,
                given_name=fake.given_name,
                family_name=fake.family_name,
                email=fake.email,
                organisation=fake.organisation,
                job_title=fake.job_title,
                country=fake.country,
                language=fake.language,
                category=Category.PARTICIPANT,
                status=Status.CONFIRMED,
            )
        )
    db.session.flush()
    return event


def _visa_request(event: Event, registration: Registration | None) -> None:
    """One visa letter request waiting for the organisers, so the whole flow can be tried."""
    if registration is None:
        return
    from eventapp.core import crypto
    from eventapp.models import VisaLetter
    from eventapp.travel.visa_letters import default_stay

    stay_from, stay_until = default_stay(event)
    db.session.add(
        VisaLetter(
            event=event,
            registration=registration,
            passport=crypto.encrypt_json(VISA_PASSPORT),
            consulate_city="Praia",
            language="en",
            stay_from=stay_from,
            stay_until=stay_until,
            covered=["travel", "accommodation"],
        )
    )
