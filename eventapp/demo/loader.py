"""Loads the MIEUX Impact Event demo from the data file shipped beside this module."""

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventapp.demo import participants
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Category,
    Event,
    HotelStay,
    ItemKind,
    MessageVersion,
    OrganiserMessage,
    Person,
    Registration,
    RoleKind,
    Room,
    SegmentKind,
    Status,
    SupportStatus,
    Survey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyStatus,
    TravelSegment,
    TravelSupport,
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


def translations(spec: dict) -> dict[str, dict[str, Any]]:
    """A table's `translations` ({"fr": {"title": ...}}), its texts stripped as the main
    ones are and empty ones left out (see core/translated.py); a question's options are
    a list, a text per option."""
    result = {}
    for language, fields in spec.get("translations", {}).items():
        texts: dict[str, Any] = {}
        for field, text in fields.items():
            value = [t.strip() for t in text] if isinstance(text, list) else text.strip()
            if any(value) if isinstance(value, list) else value:
                texts[field] = value
        if texts:
            result[language] = texts
    return result


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
            {
                "value": f["value"],
                "label": f["label"],
                **({"translations": f["label_translations"]} if "label_translations" in f else {}),
            }
            for f in spec.get("key_figures", [])
        ],
        language=spec.get("language", "en"),
        extra_languages=list(spec.get("extra_languages", [])),
        translations=translations(spec),
    )
    db.session.add(event)

    rooms = {}
    for position, room_spec in enumerate(data.get("rooms", [])):
        rooms[room_spec["key"]] = Room(
            event=event,
            name=room_spec["name"],
            capacity=room_spec.get("capacity"),
            position=position,
            translations=translations(room_spec),
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
            translations=translations(p),
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
            translations=translations(item_spec),
        )
        for key, role in ROLE_KEYS.items():
            for order, person_key in enumerate(item_spec.get(key, [])):
                item.roles.append(AgendaRole(person=people[person_key], role=role, position=order))
        db.session.add(item)

    # Hosts and speakers hold registrations too (outside the public capacity),
    # so that a badge run or a check-in list covers everyone in the room.
    speakers: dict[str, Registration] = {}
    for key, person in people.items():
        speakers[key] = Registration(
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
        db.session.add(speakers[key])
    load_travel(data, event, speakers, shift)
    _visa_request(event, speakers.get(VISA_SPEAKER))

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
    for spec_message in data.get("messages", []):
        db.session.add(
            OrganiserMessage(
                event=event,
                recipients=dict(spec_message.get("recipients", {})),
                versions=[
                    MessageVersion(
                        language=v["language"], subject=v["subject"], body=v["body"].strip()
                    )
                    for v in spec_message["versions"]
                ],
            )
        )
    _survey(data.get("survey"), event)
    db.session.flush()
    return event


def _survey(spec: dict | None, event: Event) -> None:
    """The draft feedback survey, its questions and the sessions it rates."""
    if not spec:
        return
    rated = set(spec.get("rated_kinds", []))
    db.session.add(
        Survey(
            event=event,
            title=spec["title"],
            introduction=spec.get("introduction", ""),
            anonymous=spec.get("anonymous", True),
            reminder_days=spec.get("reminder_days"),
            translations=translations(spec),
            status=SurveyStatus.DRAFT,
            questions=[
                SurveyQuestion(
                    position=position,
                    kind=SurveyQuestionKind(q["kind"]),
                    label=q["label"],
                    required=q.get("required", False),
                    choices=q.get("choices", []),
                    translations=translations(q),
                )
                for position, q in enumerate(spec.get("questions", []))
            ],
            rated_items=[item for item in event.agenda_items if item.kind.value in rated],
        )
    )


def load_travel(
    data: dict, event: Event, speakers: dict[str, Registration], shift: timedelta
) -> None:
    """The event's travel budgets, the partner-country speakers' support (approved, with
    their flights into Brussels the day before and their hotel nights), and a request
    still to decide. Created as they stand, without the e-mails the decisions send."""
    settings = data.get("travel_settings", {})
    event.currency = settings.get("currency", "EUR")
    event.support_on_signup = settings.get("support_on_signup", False)
    for line in ("travel", "accommodation", "per_diem"):
        if f"budget_{line}" in settings:
            setattr(event, f"budget_{line}", Decimal(settings[f"budget_{line}"]))
    hotel = data.get("travel_hotel", {})

    def moved(day: str) -> date:
        return date.fromisoformat(day) + shift

    for spec in data.get("travel", []):
        registration = speakers[spec["person"]]
        estimates = {k: Decimal(v) for k, v in spec["estimates"].items()}
        support = TravelSupport(
            event=event,
            registration=registration,
            status=SupportStatus.APPROVED,
            travel=True,
            accommodation=True,
            per_diem=True,
            justification="Speaker from a partner country.",
            travel_estimate=estimates["travel"],
            accommodation_estimate=estimates["accommodation"],
            per_diem_estimate=estimates["per_diem"],
            decided_at=event.starts_at - timedelta(days=30),
            passport_name=spec["passport_name"],
            departure_city=spec["departure_city"],
            departure_airport=spec["departure_airport"],
            outbound_date=moved(hotel["check_in"]),
            return_date=moved(hotel["check_out"]),
            hotel_check_in=moved(hotel["check_in"]),
            hotel_check_out=moved(hotel["check_out"]),
            form_saved_at=event.starts_at - timedelta(days=25),
        )
        db.session.add(support)
        for flight in spec["flights"]:
            departs = datetime.fromisoformat(flight["departs"]) + shift
            support.segments.append(
                TravelSegment(
                    kind=SegmentKind.FLIGHT,
                    number=flight["number"],
                    from_code=flight["from"],
                    from_place=flight["from_city"],
                    departs_local=departs,
                    departs_tz=flight["from_tz"],
                    departs_utc=departs.replace(tzinfo=ZoneInfo(flight["from_tz"])).astimezone(UTC),
                    to_code=flight["to"],
                    to_place=flight["to_city"],
                    arrives_local=datetime.fromisoformat(flight["arrives"]) + shift,
                    arrives_tz=flight["to_tz"],
                )
            )
        support.stays.append(
            HotelStay(
                hotel=hotel["name"],
                address=hotel.get("address", ""),
                check_in=moved(hotel["check_in"]),
                check_out=moved(hotel["check_out"]),
                room_type=spec.get("room_type", ""),
            )
        )
    for spec in data.get("travel_requests", []):
        lines = set(spec["lines"])
        db.session.add(
            TravelSupport(
                event=event,
                registration=speakers[spec["person"]],
                status=SupportStatus.REQUESTED,
                travel="travel" in lines,
                accommodation="accommodation" in lines,
                per_diem="per_diem" in lines,
                justification=spec["justification"],
            )
        )


def _visa_request(event: Event, registration: Registration | None) -> None:
    """One visa letter request waiting for the organisers, so the whole flow can be tried."""
    if registration is None:
        return
    from eventapp.core import crypto
    from eventapp.models import VisaLetter
    from eventapp.travel.visa_letters import default_stay, settings_for

    # A signatory, so an approved demo letter is signed (invented, like the participants).
    db.session.flush()  # the event's id keys its letter settings
    letters = settings_for(event)
    letters.signatory_name = "Claire Fontaine"
    letters.signatory_title = "MIEUX+ Programme Manager (fictional)"
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
