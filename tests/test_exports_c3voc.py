"""/events/<slug>/schedule.json in the c3voc schedule format, validated against the schema
conference apps exchange (tests/schemas/c3voc-schedule.schema.json) with its formats
checked, and read the way such an app reads it."""

import io
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft6Validator
from PIL import Image
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.feeds.c3voc import acronym
from eventapp.media.photos import store_photo
from eventapp.models import Person, RoleKind

from .factories import add_role, make_event, make_item, make_person, make_room
from .test_exports import demo_items, edit_item, panels_of

SCHEMA = json.loads(
    (Path(__file__).with_name("schemas") / "c3voc-schedule.schema.json").read_text()
)
VALIDATOR = Draft6Validator(SCHEMA, format_checker=Draft6Validator.FORMAT_CHECKER)


def c3voc_of(response) -> dict:
    """The document, parsed and valid against the schema (every error listed if not)."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    data = json.loads(response.data)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)
    ]
    assert errors == []
    return data


def events_of(conference: dict) -> list[dict]:
    return [e for day in conference["days"] for room in day["rooms"].values() for e in room]


def test_the_validator_catches_a_broken_document():
    """The schema is strict enough to fail: a guard against a test that cannot fail."""
    assert not VALIDATOR.is_valid({"schedule": {"version": "1"}})
    assert not VALIDATOR.is_valid(
        {
            "schedule": {
                "version": "1",
                "conference": {
                    "acronym": "mieux-impact-2024",
                    "title": "x",
                    "days": [],
                    "daysCount": 0,
                    "start": "2024-03-12",
                    "end": "2024-03-12",
                    "timeslot_duration": "00:05",
                },
            }
        }
    )


def test_demo_schedule_is_valid_c3voc_with_every_item_room_and_panel(app, client, demo):
    data = c3voc_of(client.get(f"/events/{demo}/schedule.json"))
    assert data["generator"]["name"] == "eventapp"
    schedule = data["schedule"]
    assert schedule["version"] and schedule["base_url"].startswith("http")
    conference = schedule["conference"]
    assert conference["title"] == "MIEUX Impact Event"
    assert conference["acronym"] == "mieux_impact_2024"
    assert conference["time_zone_name"] == "Europe/Brussels"
    assert conference["daysCount"] == 1 == len(conference["days"])
    day = conference["days"][0]
    assert day["date"] == "2024-03-12"
    assert day["day_start"].endswith("+01:00")
    # Every room is a column on every day, in the organisers' order.
    assert list(day["rooms"])[: len(conference["rooms"])] == [
        r["name"] for r in conference["rooms"]
    ]

    items = demo_items(app, demo)
    events = events_of(conference)
    assert sorted(e["guid"] for e in events) == sorted(str(i.guid) for i in items)
    by_guid = {e["guid"]: e for e in events}
    for panel in panels_of(app, demo):
        event = by_guid[panel["guid"]]
        assert event["type"] == "panel" and event["title"] == panel["title"]
        # Moderators first, then panellists, each once.
        assert [p["name"] for p in event["persons"]] == list(
            dict.fromkeys(panel["moderators"] + panel["panellists"])
        )
        assert event["url"].endswith(f"/events/{demo}/agenda#item-{panel['id']}")
    first = min(items, key=lambda i: i.starts_at)
    event = by_guid[str(first.guid)]
    assert event["date"] == "2024-03-12T" + event["start"] + ":00+01:00"
    minutes = int((first.ends_at - first.starts_at).total_seconds()) // 60
    assert event["duration"] == f"{minutes // 60:02d}:{minutes % 60:02d}"


def test_people_are_pretalx_shaped_with_stable_guids_and_no_email(app, client, demo):
    with app.app_context():  # one speaker with a photo, served by the app
        person = db.session.scalars(select(Person).where(Person.roles.any())).first()
        image = io.BytesIO()
        Image.new("RGB", (120, 90), (0, 0, 255)).save(image, "PNG")
        image.seek(0)
        person.photo = store_photo(image)
        db.session.commit()
    first = c3voc_of(client.get(f"/events/{demo}/schedule.json"))
    again = c3voc_of(client.get(f"/events/{demo}/schedule.json"))
    people = [p for e in events_of(first["schedule"]["conference"]) for p in e["persons"]]
    assert people and all("public_name" not in p and "@" not in json.dumps(p) for p in people)
    assert [p["guid"] for p in people] == [
        p["guid"] for e in events_of(again["schedule"]["conference"]) for p in e["persons"]
    ]
    # Someone on two items is one person with one guid.
    guids_by_id: dict[int, set[str]] = {}
    for person in people:
        guids_by_id.setdefault(person["id"], set()).add(person["guid"])
    assert all(len(guids) == 1 for guids in guids_by_id.values())
    with_photo = [p for p in people if p["avatar"]]
    assert len(with_photo) >= 1
    photo = client.get(urlsplit(with_photo[0]["avatar"]).path)
    photo.close()  # a file response: close it, or its file is left open
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_an_edit_shows_at_once_and_changes_the_version(app, client, demo):
    before = c3voc_of(client.get(f"/events/{demo}/schedule.json"))
    guid = events_of(before["schedule"]["conference"])[0]["guid"]
    edit_item(app, guid, title="Renamed session")
    after = c3voc_of(client.get(f"/events/{demo}/schedule.json"))
    assert {e["guid"]: e["title"] for e in events_of(after["schedule"]["conference"])}[
        guid
    ] == "Renamed session"
    assert after["schedule"]["version"] != before["schedule"]["version"]


def test_unusual_events_stay_valid(app, client):
    """A two-letter slug, a zone outside the schema's pattern, an item without a room,
    names in other scripts and control characters pasted into a title."""
    with app.app_context():
        event = make_event(slug="ab", timezone="Etc/GMT+3", venue_name="")
        make_room(event, name="Зал №1")
        item = make_item(event, title="Круглый\x0b стол <b>")
        add_role(
            item, make_person(event, given_name="ნინო", family_name="ბერიძე"), RoleKind.MODERATOR
        )
        make_item(event, title="Next day", starts_at=event.starts_at + timedelta(days=1))
        db.session.commit()
    conference = c3voc_of(client.get("/events/ab/schedule.json"))["schedule"]["conference"]
    assert conference["acronym"] == "ab_event"
    assert "time_zone_name" not in conference
    assert conference["daysCount"] == 2
    events = events_of(conference)
    assert events[0]["title"] == "Круглый стол <b>"
    assert events[0]["room"] == "General"
    assert events[0]["persons"][0]["name"] == "ნინო ბერიძე"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("mieux-impact-2024", "mieux_impact_2024"),
        ("36c3", "36c3"),
        ("x", "x_event"),
        ("ab-c", "ab_c"),
    ],
)
def test_acronyms_fit_the_schema_pattern(slug, expected):
    assert acronym(slug) == expected


def test_unpublished_events_have_no_schedule(app, client):
    with app.app_context():
        make_event(slug="draft", published=False)
        db.session.commit()
    assert client.get("/events/draft/schedule.json").status_code == 404
    assert client.get("/events/draft/agenda.json").status_code == 404
