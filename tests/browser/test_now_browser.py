"""The "now and next" screen on a TV-sized Chromium: it updates itself without a reload,
its clock ticks, and axe finds nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AgendaItem

from ..factories import make_event, make_item, make_room
from .conftest import axe_violations


def test_screen_follows_an_agenda_change_without_reloading(page: Page, app, live_server):
    with app.app_context():
        event = make_event(
            slug="tv", title="Forum", starts_at=datetime.now(UTC) - timedelta(hours=1)
        )
        hall = make_room(event, name="Hall")
        make_item(
            event,
            title="Opening talk",
            room=hall,
            starts_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        db.session.commit()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/events/tv/now?refresh=2")
    expect(page.locator(".now-slot--now .now-slot__title")).to_have_text("Opening talk")
    page.evaluate("window.__sameDocument = true")
    with app.app_context():
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Opening talk"))
        item.title = "Opening talk (moved up)"
        db.session.commit()
    expect(page.locator(".now-slot--now .now-slot__title")).to_have_text(
        "Opening talk (moved up)", timeout=10_000
    )
    assert page.evaluate("window.__sameDocument") is True  # updated in place, no reload
    # The clock shows the event's local time (Brussels), whatever the display's zone.
    local = datetime.now(ZoneInfo("Europe/Brussels"))
    assert page.locator("#now-clock").inner_text() in {
        local.strftime("%H:%M"),
        (local + timedelta(minutes=1)).strftime("%H:%M"),
    }
    assert axe_violations(page) == []


def test_demo_screen_has_no_accessibility_violations(page: Page, live_server, demo):
    page.goto(f"{live_server}/events/{demo}/now?at=2024-03-12T11:00&lang=fr")
    expect(page.locator(".now-room")).to_have_count(2)
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/now-screen.png", full_page=True)
