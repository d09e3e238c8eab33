"""The agenda feeds, read the way apps read them: the .ics parsed with icalendar, the frab XML
validated against its schema with lxml, the JSON parsed."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from lxml import etree
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.feeds import frab, ical, jsonfeed
from eventapp.models import AgendaItem, ChangeLogEntry, Event, ItemKind, RoleKind, queries

from .factories import add_role, make_event, make_item, make_person, make_room

SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).with_name("schemas") / "frab-schedule.xsd"))
)
FEEDS = ("agenda.ics", "schedule.xml", "schedule.json", "agenda.json")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Far enough back that an edit made by the test is in a later second (HTTP dates are whole).
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def calendar_of(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.data)


def vevents(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def schedule_of(response) -> etree._Element:
    """The XML, parsed and checked against the frab schema (with the reason if invalid)."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert SCHEMA.validate(root), SCHEMA.error_log
    return root


def demo_items(app, slug: str) -> list[AgendaItem]:
    with app.app_context():
        return queries.agenda(queries.get_published_event_or_404(slug))


def panels_of(app, slug: str) -> list[dict]:
    """The demo's panels as plain data: guid, title, moderators and panellists in order."""
    with app.app_context():
        return [
            {
                "id": item.id,
                "guid": str(item.guid),
                "title": item.title,
                "moderators": [p.full_name for p in item.moderators],
                "panellists": [p.full_name for p in item.panellists],
                "people_ids": [p.id for p in item.moderators + item.panellists],
            }
            for item in demo_items(app, slug)
            if item.kind == ItemKind.PANEL
        ]


def edit_item(app, guid: str, **changes) -> None:
    with app.app_context():
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.guid == uuid.UUID(guid)))
        for name, value in changes.items():
            setattr(item, name, value(getattr(item, name)) if callable(value) else value)
        db.session.commit()


@pytest.fixture
def forum(app) -> str:
    """A small event whose data was last changed long ago: edits in a test are newer."""
    with app.app_context():
        event = make_event(
            slug="forum",
            title="Forum",
            venue_name="Congress Centre",
            venue_address="1 Main Street, Brussels",
            updated_at=LONG_AGO,
        )
        hall = make_room(event, name="Hall")
        talk = make_item(event, title="Opening talk", room=hall, updated_at=LONG_AGO)
        add_role(
            talk,
            make_person(event, given_name="Ana", family_name="Ruiz", updated_at=LONG_AGO),
            RoleKind.SPEAKER,
        )
        make_item(
            event,
            title="Lunch",
            kind=ItemKind.MEAL,
            starts_at=event.starts_at + timedelta(hours=3),
            updated_at=LONG_AGO,
        )
        db.session.commit()
    return "forum"


# iCalendar


def test_ics_has_the_calendar_headers_and_the_event_time_zone(client, demo):
    response = client.get(f"/events/{demo}/agenda.ics")
    calendar = calendar_of(response)
    assert calendar["VERSION"] == "2.0"
    assert "eventapp" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "MIEUX Impact Event"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert calendar.get_missing_tzids() == set()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"filename={demo}.ics" in disposition


def test_ics_has_one_vevent_per_item_at_local_times_with_tzid(app, client, demo):
    items = demo_items(app, demo)
    events = vevents(calendar_of(client.get(f"/events/{demo}/agenda.ics")))
    assert len(events) == len(items) == 12
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"{item.guid}@eventapp" for item in items}
    first = by_uid[f"{items[0].guid}@eventapp"]
    assert first.to_ical().decode().count("DTSTART;TZID=Europe/Brussels:20240312T083000") == 1
    assert first.start == datetime(2024, 3, 12, 7, 30, tzinfo=UTC)  # 08:30 in Brussels
    assert first.start.tzinfo.key == "Europe/Brussels"
    assert first.end.tzinfo.key == "Europe/Brussels"
    assert str(first["SUMMARY"]) == "Arrival and registration"
    assert str(first["LOCATION"]) == (
        "Foyer, Maison du Dialogue Conference Centre, Rue du Commerce 72, 1000 Brussels, Belgium"
    )
    assert str(first["URL"]) == f"http://localhost/events/{demo}/agenda#item-{items[0].id}"
    assert first["CATEGORIES"].cats == ["Other"]
    assert first.last_modified == items[0].updated_at.replace(microsecond=0)
    assert first.DTSTAMP is not None


def test_ics_description_lists_moderator_and_panellists_of_each_panel(app, client, demo):
    events = {
        str(e["UID"]): e for e in vevents(calendar_of(client.get(f"/events/{demo}/agenda.ics")))
    }
    panels = panels_of(app, demo)
    assert len(panels) == 3
    for panel in panels:
        description = str(events[f"{panel['guid']}@eventapp"]["DESCRIPTION"])
        assert f"Moderator: {panel['moderators'][0]}" in description
        assert f"Panellists: {', '.join(panel['panellists'])}" in description
        assert str(events[f"{panel['guid']}@eventapp"]["CATEGORIES"].cats[0]) == "Panel"


def test_ics_uids_stay_the_same_across_requests_and_edits(app, client, demo):
    def uids() -> list[str]:
        events = vevents(calendar_of(client.get(f"/events/{demo}/agenda.ics")))
        return sorted(str(e["UID"]) for e in events)

    before = uids()
    assert uids() == before
    panel = panels_of(app, demo)[0]
    edit_item(
        app,
        panel["guid"],
        title="Panel 1, renamed",
        starts_at=lambda t: t + timedelta(minutes=30),
        ends_at=lambda t: t + timedelta(minutes=30),
    )
    assert uids() == before
    moved = {
        str(e["UID"]): e for e in vevents(calendar_of(client.get(f"/events/{demo}/agenda.ics")))
    }
    moved = moved[f"{panel['guid']}@eventapp"]
    assert str(moved["SUMMARY"]) == "Panel 1, renamed"
    assert moved.start == datetime(2024, 3, 12, 10, 15, tzinfo=UTC)  # 11:15 in Brussels


def test_ics_labels_follow_the_visitors_language(client, demo):
    response = client.get(f"/events/{demo}/agenda.ics?lang=fr")
    descriptions = " ".join(str(e.get("DESCRIPTION", "")) for e in vevents(calendar_of(response)))
    assert "Modérateur: " in descriptions and "Panélistes: " in descriptions
    assert "Accept-Language" in response.headers["Vary"]


def test_one_item_ics_has_the_same_uid_as_the_feed(app, client, demo):
    panel = panels_of(app, demo)[1]
    response = client.get(f"/events/{demo}/agenda/{panel['guid']}.ics")
    calendar = calendar_of(response)
    [single] = vevents(calendar)
    assert str(single["UID"]) == f"{panel['guid']}@eventapp"
    assert str(single["SUMMARY"]) == panel["title"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"{demo}-{panel['id']}-panel-2-" in response.headers["Content-Disposition"]


def test_one_item_ics_is_404_for_unknown_guids_and_other_events_items(app, client, demo):
    with app.app_context():
        other = make_event(slug="other")
        foreign = make_item(other, title="Not in the demo")
        db.session.commit()
        foreign_guid = foreign.guid
    assert client.get(f"/events/other/agenda/{foreign_guid}.ics").status_code == 200
    assert client.get(f"/events/{demo}/agenda/{foreign_guid}.ics").status_code == 404
    assert client.get(f"/events/{demo}/agenda/{uuid.uuid4()}.ics").status_code == 404
    assert client.get(f"/events/{demo}/agenda/not-a-guid.ics").status_code == 404


def test_utc_event_needs_no_vtimezone(app, client):
    with app.app_context():
        make_item(make_event(slug="utc", timezone="UTC"))
        db.session.commit()
    calendar = calendar_of(client.get("/events/utc/agenda.ics"))
    [single] = vevents(calendar)
    assert single.start.tzinfo is not None and single.start.utcoffset() == timedelta(0)
    assert calendar.get_missing_tzids() == set()


# frab schedule XML


def test_schedule_xml_is_valid_frab_with_conference_and_day(client, demo):
    root = schedule_of(client.get(f"/events/{demo}/schedule.xml"))
    assert root.find("generator").get("name") == "eventapp"
    assert root.find("generator").get("version")
    assert root.findtext("version")
    conference = root.find("conference")
    assert conference.findtext("title") == "MIEUX Impact Event"
    assert conference.findtext("acronym") == demo
    assert conference.findtext("start") == conference.findtext("end") == "2024-03-12"
    assert conference.findtext("days") == "1"
    assert conference.findtext("time_zone_name") == "Europe/Brussels"
    assert conference.findtext("base_url") == "http://localhost/"
    [day] = root.findall("day")
    assert dict(day.attrib) == {
        "index": "1",
        "date": "2024-03-12",
        "start": "2024-03-12T08:30:00+01:00",
        "end": "2024-03-12T18:00:00+01:00",
    }
    assert [room.get("name") for room in day.findall("room")] == ["Plenary hall", "Foyer"]


def test_schedule_xml_events_carry_guids_local_times_and_people(app, client, demo):
    root = schedule_of(client.get(f"/events/{demo}/schedule.xml"))
    items = {str(item.guid): item for item in demo_items(app, demo)}
    events = root.findall("day/room/event")
    assert len(events) == len(items) == 12
    for element in events:
        guid = element.get("guid")
        assert UUID_RE.match(guid) and guid in items
        item = items[guid]
        assert element.get("id") == str(item.id)
        assert element.findtext("date").startswith("2024-03-12T")
        assert element.findtext("date").endswith("+01:00")
        assert element.findtext("title") == item.title
        assert element.findtext("type") == item.kind.value
        assert element.findtext("slug").startswith(f"{demo}-{item.id}-")
        assert element.findtext("url").endswith(f"/agenda#item-{item.id}")
    opening = root.find("day/room/event[title='Arrival and registration']")
    assert opening.findtext("date") == "2024-03-12T08:30:00+01:00"
    assert opening.findtext("start") == "08:30" and opening.findtext("duration") == "00:45"
    assert opening.findtext("room") == "Foyer" and opening.findtext("track") == "Other"
    for panel in panels_of(app, demo):
        element = root.find(f"day/room/event[@guid='{panel['guid']}']")
        assert element.findtext("room") == "Plenary hall"
        assert element.findtext("duration") == "01:15"
        people = element.findall("persons/person")
        # Moderator first, then the panellists in their speaking order.
        assert [p.text for p in people] == panel["moderators"] + panel["panellists"]
        assert [int(p.get("id")) for p in people] == panel["people_ids"]


def test_schedule_xml_guids_are_stable_and_version_changes_after_an_edit(app, client, demo):
    def guids(root) -> list[str]:
        return sorted(e.get("guid") for e in root.findall("day/room/event"))

    before = schedule_of(client.get(f"/events/{demo}/schedule.xml"))
    again = schedule_of(client.get(f"/events/{demo}/schedule.xml"))
    assert guids(again) == guids(before)
    assert again.findtext("version") == before.findtext("version")
    panel = panels_of(app, demo)[2]
    edit_item(
        app,
        panel["guid"],
        title="Panel 3 (moved)",
        starts_at=lambda t: t - timedelta(hours=1),
        ends_at=lambda t: t - timedelta(hours=1),
    )
    after = schedule_of(client.get(f"/events/{demo}/schedule.xml"))
    assert guids(after) == guids(before)
    assert after.findtext("version") != before.findtext("version")
    moved = after.find(f"day/room/event[@guid='{panel['guid']}']")
    assert moved.findtext("title") == "Panel 3 (moved)"
    assert moved.findtext("start") == "14:30"
    assert moved.findtext("date") == "2024-03-12T14:30:00+01:00"


def test_schedule_xml_version_changes_when_an_item_is_deleted(app, client, forum):
    before = schedule_of(client.get("/events/forum/schedule.xml")).findtext("version")
    with app.app_context():
        lunch = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Lunch"))
        db.session.delete(lunch)
        db.session.commit()
    after = schedule_of(client.get("/events/forum/schedule.xml"))
    assert len(after.findall("day/room/event")) == 1
    assert after.findtext("version") != before


def test_schedule_xml_over_days_and_a_clock_change(app, client):
    # Summer time starts in Brussels on 31 March 2024: the offsets follow the clock.
    starts = datetime(2024, 3, 29, 8, 0, tzinfo=UTC)
    with app.app_context():
        event = make_event(
            slug="spring",
            starts_at=starts,
            ends_at=starts + timedelta(days=3, hours=8),
            venue_name="Atrium",
        )
        for day in range(4):
            make_item(event, title=f"Talk {day}", starts_at=starts + timedelta(days=day))
        db.session.commit()
    root = schedule_of(client.get("/events/spring/schedule.xml"))
    assert root.find("conference").findtext("days") == "4"
    days = root.findall("day")
    assert [d.get("index") for d in days] == ["1", "2", "3", "4"]
    assert [d.get("date") for d in days] == ["2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01"]
    assert days[0].get("start") == "2024-03-29T09:00:00+01:00"
    assert days[3].get("start") == "2024-04-01T10:00:00+02:00"
    dates = [e.findtext("date") for e in root.findall("day/room/event")]
    assert dates == [
        "2024-03-29T09:00:00+01:00",
        "2024-03-30T09:00:00+01:00",
        "2024-03-31T10:00:00+02:00",
        "2024-04-01T10:00:00+02:00",
    ]
    # No room given: the items go in a room named after the venue.
    assert {r.get("name") for r in root.findall("day/room")} == {"Atrium"}


def test_items_without_room_or_venue_go_in_general(app, client):
    with app.app_context():
        make_item(make_event(slug="bare"))
        db.session.commit()
    root = schedule_of(client.get("/events/bare/schedule.xml"))
    assert root.find("day/room").get("name") == "General"
    assert root.findtext("day/room/event/room") == "General"


def test_empty_agenda_is_still_a_valid_schedule(app, client):
    with app.app_context():
        make_event(slug="empty")
        db.session.commit()
    root = schedule_of(client.get("/events/empty/schedule.xml"))
    assert len(root.findall("day")) == 1 and root.findall("day/room/event") == []
    assert vevents(calendar_of(client.get("/events/empty/agenda.ics"))) == []
    assert json.loads(client.get("/events/empty/agenda.json").data)["items"] == []


# JSON


def test_schedule_json_describes_event_rooms_items_and_speakers(app, client, demo):
    response = client.get(f"/events/{demo}/agenda.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    data = json.loads(response.data)
    assert data["format"] == "eventapp-schedule" and data["format_version"] == 1
    assert data["version"] and data["generator"]["name"] == "eventapp"
    assert data["event"]["slug"] == demo
    assert data["event"]["time_zone"] == "Europe/Brussels"
    assert data["event"]["start"] == "2024-03-12T08:30:00+01:00"
    assert data["event"]["days"] == ["2024-03-12"]
    assert data["event"]["venue"]["name"] == "Maison du Dialogue Conference Centre"
    assert [room["name"] for room in data["rooms"]] == ["Plenary hall", "Foyer"]
    items = {str(item.guid): item for item in demo_items(app, demo)}
    assert [i["guid"] for i in data["items"]] == list(items)  # agenda order
    first = data["items"][0]
    assert first["start"] == "2024-03-12T08:30:00+01:00"
    assert first["end"] == "2024-03-12T09:15:00+01:00"
    assert first["duration_minutes"] == 45 and first["kind"] == "other"
    assert first["room"] == "Foyer"
    panel = panels_of(app, demo)[0]
    [entry] = [i for i in data["items"] if i["guid"] == panel["guid"]]
    assert [(p["name"], p["role"]) for p in entry["people"]] == (
        [(name, "moderator") for name in panel["moderators"]]
        + [(name, "panellist") for name in panel["panellists"]]
    )
    assert all(set(p) >= {"id", "name", "role", "organisation", "country"} for p in entry["people"])
    speakers = {s["id"]: s for s in data["speakers"]}
    for person in entry["people"]:
        assert entry["id"] in speakers[person["id"]]["items"]
        assert speakers[person["id"]]["url"].endswith(f"/speakers/{person['id']}")
    assert all("email" not in s for s in data["speakers"])


def test_schedule_json_follows_an_edit_at_once(app, client, demo):
    panel = panels_of(app, demo)[0]
    before = json.loads(client.get(f"/events/{demo}/agenda.json").data)
    edit_item(app, panel["guid"], title="Renamed panel")
    after = json.loads(client.get(f"/events/{demo}/agenda.json").data)
    assert [i["title"] for i in after["items"] if i["guid"] == panel["guid"]] == ["Renamed panel"]
    assert after["version"] != before["version"]


# Access and conditional requests


@pytest.mark.parametrize("feed", FEEDS)
def test_feeds_of_unpublished_and_unknown_events_are_not_found(app, client, feed):
    with app.app_context():
        draft = make_event(slug="draft", published=False)
        make_item(draft)
        db.session.commit()
        guid = db.session.scalar(select(AgendaItem.guid))
    assert client.get(f"/events/draft/{feed}").status_code == 404
    assert client.get(f"/events/nope/{feed}").status_code == 404
    assert client.get(f"/events/draft/agenda/{guid}.ics").status_code == 404


@pytest.mark.parametrize("feed", FEEDS)
def test_etag_round_trip_and_an_edit_changes_it_at_once(app, client, forum, feed):
    url = f"/events/forum/{feed}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong: a hash of the body
    assert first.headers["Cache-Control"] == "no-cache"
    assert modified == "Wed, 01 Jan 2020 00:00:00 GMT"
    assert client.get(url).headers["ETag"] == etag
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304

    with app.app_context():
        talk = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Opening talk"))
        talk.title = "Opening keynote"
        db.session.commit()
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert b"Opening keynote" in fresh.data and b"Opening talk" not in fresh.data
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 200


def test_renaming_a_speaker_changes_the_feeds(app, client, forum):
    etags = {feed: client.get(f"/events/forum/{feed}").headers["ETag"] for feed in FEEDS}
    with app.app_context():
        talk = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Opening talk"))
        talk.roles[0].person.family_name = "Ruiz-Picasso"
        db.session.commit()
    for feed in FEEDS:
        response = client.get(f"/events/forum/{feed}", headers={"If-None-Match": etags[feed]})
        assert response.status_code == 200, feed
        assert "Ruiz-Picasso" in response.text, feed


def test_a_logged_deletion_moves_last_modified_on(app, client, forum):
    url = "/events/forum/schedule.xml"
    modified = client.get(url).headers["Last-Modified"]
    with app.app_context():
        lunch = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Lunch"))
        db.session.add(
            ChangeLogEntry(
                event_id=lunch.event_id,
                entity="agenda_item",
                entity_id=lunch.id,
                action="delete",
                summary="Lunch",
            )
        )
        db.session.delete(lunch)
        db.session.commit()
    response = client.get(url, headers={"If-Modified-Since": modified})
    assert response.status_code == 200 and b"Lunch" not in response.data


def test_a_sign_up_in_the_log_leaves_the_feeds_alone(app, client, forum):
    first = client.get("/events/forum/schedule.json")
    with app.app_context():
        event_id = db.session.scalar(select(Event.id).where(Event.slug == "forum"))
        db.session.add(
            ChangeLogEntry(
                event_id=event_id,
                entity="registration",
                entity_id=1,
                action="approve",
                summary="Approved",
            )
        )
        db.session.commit()
    again = client.get(
        "/events/forum/schedule.json",
        headers={
            "If-None-Match": first.headers["ETag"],
            "If-Modified-Since": first.headers["Last-Modified"],
        },
    )
    assert again.status_code == 304


# Hostile and unusual text

HOSTILE_TITLE = 'Q&A <script>alert("x")</script>\r\nBEGIN:VEVENT\r\nUID:evil'
HOSTILE_NAME = ("<b>Bob</b> & Co", 'O\'Brien; "Jr", \\ esq.')


@pytest.fixture
def hostile(app) -> str:
    with app.app_context():
        event = make_event(slug="hostile", venue_name="Hall <A&B>")
        item = make_item(event, title=HOSTILE_TITLE, description="Pasted\x0btext\x1f & more")
        add_role(
            item,
            make_person(event, given_name=HOSTILE_NAME[0], family_name=HOSTILE_NAME[1]),
            RoleKind.SPEAKER,
        )
        make_item(event, title="Next", starts_at=event.starts_at + timedelta(hours=1))
        db.session.commit()
    return "hostile"


def test_hostile_text_is_data_in_the_xml(client, hostile):
    response = client.get(f"/events/{hostile}/schedule.xml")
    assert b"<script>" not in response.data and b"<b>Bob" not in response.data
    root = schedule_of(response)
    element = root.find("day/room/event")
    # XML parsers read every line break as "\n".
    assert element.findtext("title") == HOSTILE_TITLE.replace("\r\n", "\n")
    assert element.findtext("persons/person") == " ".join(HOSTILE_NAME)
    assert element.findtext("abstract") == "Pastedtext & more"  # XML cannot carry \x0b, \x1f
    assert root.find("day/room").get("name") == "Hall <A&B>"


def test_hostile_text_is_data_in_the_ics(client, hostile):
    events = vevents(calendar_of(client.get(f"/events/{hostile}/agenda.ics")))
    assert len(events) == 2  # the line breaks in the title did not start a new VEVENT
    evil = events[0]
    assert str(evil["SUMMARY"]).replace("\r\n", "\n") == HOSTILE_TITLE.replace("\r\n", "\n")
    assert str(evil["UID"]).endswith("@eventapp") and str(evil["UID"]) != "evil"
    assert f"Speaker: {' '.join(HOSTILE_NAME)}" in str(evil["DESCRIPTION"])
    assert str(evil["LOCATION"]).startswith("Hall <A&B>")


def test_hostile_text_is_data_in_the_json(client, hostile):
    data = json.loads(client.get(f"/events/{hostile}/agenda.json").data)
    assert data["items"][0]["title"] == HOSTILE_TITLE
    assert data["items"][0]["people"][0]["name"] == " ".join(HOSTILE_NAME)
    assert data["speakers"][0]["given_name"] == HOSTILE_NAME[0]


def test_names_in_every_script_survive_every_feed(app, client):
    names = [("ნინო", "ბერიძე"), ("Гульнара", "Асанова"), ("محمد", "الأحمد")]
    with app.app_context():
        event = make_event(slug="scripts")
        item = make_item(event, title="Круглый стол")
        for i, (given, family) in enumerate(names):
            add_role(
                item,
                make_person(event, given_name=given, family_name=family),
                RoleKind.PANELLIST,
                i,
            )
        db.session.commit()
        item_id = item.id
    xml = schedule_of(client.get("/events/scripts/schedule.xml"))
    assert [p.text for p in xml.findall("day/room/event/persons/person")] == [
        " ".join(n) for n in names
    ]
    assert xml.findtext("day/room/event/slug") == f"scripts-{item_id}"  # no Latin letters
    [vevent] = vevents(calendar_of(client.get("/events/scripts/agenda.ics")))
    assert str(vevent["SUMMARY"]) == "Круглый стол"
    data = json.loads(client.get("/events/scripts/agenda.json").data)
    assert [p["name"] for p in data["items"][0]["people"]] == [" ".join(n) for n in names]


# The agenda page links to the feeds


def test_agenda_page_links_to_the_feeds_and_each_items_calendar_file(app, client, demo):
    page = client.get(f"/events/{demo}/agenda").text
    for feed in FEEDS:
        assert f'href="/events/{demo}/{feed}"' in page
    for item in demo_items(app, demo):
        block = page.split(f'id="item-{item.id}"')[1].split('id="item-')[0]
        link = re.search(r'<a href="([^"]+\.ics)"[^>]*>(.*?)</a>', block, re.S)
        assert link, item.title
        assert link.group(1) == f"/events/{demo}/agenda/{item.guid}.ics"
        assert "Add to my calendar" in link.group(2)
        [single] = vevents(calendar_of(client.get(link.group(1))))
        assert str(single["UID"]) == f"{item.guid}@eventapp"


# The building blocks, called directly


def test_functions_build_the_feeds_from_loaded_items(app):
    with app.test_request_context():
        event = make_event(slug="direct", venue_name="Hall")
        first = make_item(event, title="Peer exchange & more", kind=ItemKind.PANEL)
        second = make_item(
            event,
            title="Closing",
            kind=ItemKind.CLOSING,
            starts_at=event.starts_at + timedelta(hours=2),
        )
        add_role(first, make_person(event, given_name="Zoe", family_name="Chair"), RoleKind.CHAIR)
        add_role(
            first, make_person(event, given_name="Mo", family_name="Derator"), RoleKind.MODERATOR
        )
        for i, name in enumerate(("Ann", "Ben", "Cy")):
            add_role(
                first,
                make_person(event, given_name=name, family_name="P"),
                RoleKind.PANELLIST,
                position=2 - i,
            )  # positions say the order, not ids
        db.session.commit()
        items = queries.agenda(event)
        assert ical.description(first) == (
            "Moderator: Mo Derator\nPanellists: Cy P, Ben P, Ann P\nChair: Zoe Chair"
        )
        assert ical.location(event, first) == "Hall"
        assert [p.full_name for _r, p in frab.credited(first)] == [
            "Mo Derator",
            "Cy P",
            "Ben P",
            "Ann P",
            "Zoe Chair",
        ]
        assert frab.item_slug(event, first) == f"direct-{first.id}-peer-exchange-more"
        assert frab.hhmm(second.ends_at - second.starts_at) == "00:45"
        assert frab.hhmm(timedelta(days=5)) == "99:59"
        assert frab.clean_text("a\x0bb\tc\n") == "ab\tc\n"
        [day] = frab.days(event, items)
        assert (day.index, len(day.items)) == (1, 2)
        assert frab.last_modified(event, items) == max(
            [
                event.updated_at,
                *(i.updated_at for i in items),
                *(r.person.updated_at for r in first.roles),
            ]
        )
        root = etree.fromstring(frab.schedule_xml(event, items))
        assert SCHEMA.validate(root), SCHEMA.error_log
        assert len(vevents(icalendar.Calendar.from_ical(ical.agenda_calendar(event, items)))) == 2
        assert len(jsonfeed.schedule(event, items)["items"]) == 2


def test_feeds_query_the_database_a_fixed_number_of_times(app, client):
    """No query per item or person: 200 items cost what 10 do."""
    with app.app_context():
        for slug, count in (("small", 10), ("large", 60)):
            event = make_event(slug=slug)
            rooms = [make_room(event) for _ in range(3)]
            for n in range(count):
                item = make_item(
                    event,
                    title=f"Talk {n}",
                    room=rooms[n % 3],
                    starts_at=event.starts_at + timedelta(minutes=15 * n),
                )
                add_role(item, make_person(event), RoleKind.SPEAKER)
                add_role(item, make_person(event), RoleKind.MODERATOR)
        db.session.commit()
        engine = db.engine

    def queries_for(url: str) -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for feed in FEEDS:
        assert queries_for(f"/events/small/{feed}") == queries_for(f"/events/large/{feed}"), feed
