"""The venue's "now and next" screen: which item is on and which comes next in each room,
at moments of the demo's day, read from the page's HTML."""

from datetime import UTC, datetime, timedelta

from lxml import html
from sqlalchemy import select

from eventapp.agenda.now import now_and_next, parse_moment
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, queries

from .factories import make_event, make_item, make_room


def by_class(element, name: str) -> list:
    return element.xpath(f".//*[contains(concat(' ', @class, ' '), ' {name} ')]")


def rooms_at(client, slug: str, at: str, **params) -> dict[str, dict[str, str]]:
    """{room: {"now": title or none-text, "next": ...}} as the screen shows them."""
    response = client.get(f"/events/{slug}/now", query_string={"at": at, **params})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = html.fromstring(response.text)
    shown = {}
    for room in by_class(page, "now-room"):
        slots = {}
        for when in ("now", "next"):
            [slot] = by_class(room, f"now-slot--{when}")
            title = by_class(slot, "now-slot__title") or by_class(slot, "now-slot__none")
            slots[when] = title[0].text_content().strip()
        shown[room.xpath(".//h2")[0].text_content()] = slots
    return shown


def test_demo_mid_morning_shows_the_first_panel_and_what_follows(client, demo):
    shown = rooms_at(client, demo, "2024-03-12T11:00")
    assert shown["Plenary hall"]["now"].startswith("Panel 1:")
    assert shown["Plenary hall"]["next"].startswith("Knowledge exchange")
    assert shown["Foyer"] == {"now": "Nothing scheduled", "next": "Lunch"}


def test_at_lunch_the_foyer_is_on_and_the_hall_waits(client, demo):
    shown = rooms_at(client, demo, "2024-03-12T12:30")
    assert shown["Foyer"]["now"] == "Lunch"
    assert shown["Plenary hall"]["now"] == "Nothing scheduled"


def test_before_the_day_next_is_the_first_item_and_after_it_ends_a_thank_you(client, demo):
    first = rooms_at(client, demo, "2024-03-11T18:00")
    assert all(slots["now"] == "Nothing scheduled" for slots in first.values())
    page = client.get(f"/events/{demo}/now?at=2024-03-12T23:00").text
    assert "The programme has ended" in page


def test_french_screen(client, demo):
    page = client.get(f"/events/{demo}/now?at=2024-03-12T11:00&lang=fr").text
    assert '<html lang="fr">' in page and "En ce moment" in page and "À suivre" in page


def test_fragment_is_only_the_rooms_and_keeps_the_preview_moment(client, demo):
    page = client.get(f"/events/{demo}/now?at=2024-03-12T11:00").text
    url = html.fromstring(page).get_element_by_id("now").get("data-refresh-url")
    assert "fragment=1" in url and "at=2024-03-12T11%3A00" in url.replace(":", "%3A")
    fragment = client.get(url).text
    assert "<html" not in fragment and "Panel 1:" in fragment


def test_live_screen_uses_the_clock_and_an_unpublished_event_is_404(app, client):
    with app.app_context():
        event = make_event(slug="live", starts_at=datetime.now(UTC) - timedelta(hours=1))
        hall = make_room(event, name="Hall")
        make_item(
            event,
            title="Running now",
            room=hall,
            starts_at=datetime.now(UTC) - timedelta(minutes=10),
        )
        make_event(slug="hidden", published=False)
        db.session.commit()
    page = client.get("/events/live/now").text
    assert "Running now" in page and "data-preview" not in page
    assert client.get("/events/hidden/now").status_code == 404


def test_overlaps_latest_started_wins_and_roomless_items_go_to_everyone(app):
    with app.app_context():
        event = make_event(slug="overlap", venue_name="")
        hall = make_room(event, name="Hall")
        start = event.starts_at
        make_item(
            event, title="Long", room=hall, starts_at=start, ends_at=start + timedelta(hours=3)
        )
        make_item(
            event,
            title="Short",
            room=hall,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
        )
        make_item(event, title="Plenary", starts_at=start + timedelta(hours=4))
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == "overlap"))
        items = queries.agenda(event)
        screen = now_and_next(event, items, start + timedelta(minutes=90), "Everyone")
        assert [r.name for r in screen.rooms] == ["Hall", "Everyone"]
        assert screen.rooms[0].now.title == "Short" and screen.rooms[0].next is None
        assert screen.rooms[1].now is None and screen.rooms[1].next.title == "Plenary"
        assert screen.phase == "during"
        assert now_and_next(event, items, start - timedelta(hours=1), "x").phase == "before"
        assert db.session.scalar(select(AgendaItem.id).limit(1))


def test_moments_are_read_as_local_time_at_the_event(app):
    with app.app_context():
        event = make_event(slug="tz", timezone="America/Costa_Rica")
        assert parse_moment(event, "2024-03-12T09:00") == datetime(2024, 3, 12, 15, 0, tzinfo=UTC)
        assert parse_moment(event, "not a date") is None and parse_moment(event, "") is None
        db.session.rollback()


def test_refresh_is_bounded(client, demo):
    for asked, used in (("1", "2"), ("9999", "300"), ("x", "30")):
        page = client.get(f"/events/{demo}/now?refresh={asked}").text
        assert f'data-refresh-seconds="{used}"' in page
