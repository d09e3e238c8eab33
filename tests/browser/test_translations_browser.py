"""An organiser translates an agenda item by keyboard alone, in the fields of each of the
event's languages beside the main ones, then reads it on the public page."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, User, UserRole

from .conftest import axe_violations, sign_in_page


def focused(page: Page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, lang: document.activeElement.lang})"
    )


def test_translating_an_item_by_keyboard(page: Page, app, live_server, demo, make_user):
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        item_id = db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.event_id == event.id, AgendaItem.title == "Lunch"
            )
        )
        db.session.commit()
    sign_in_page(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/manage/events/{demo}/agenda")
    expect(page.locator("#completeness-pt")).to_have_text("Portuguese: 0 of 23 texts translated")
    assert axe_violations(page) == []

    page.goto(f"{live_server}/manage/events/{demo}/agenda/{item_id}")
    expect(page.get_by_role("group", name="French")).to_be_visible()
    expect(page.get_by_label("Title (French)")).to_have_value("Déjeuner")
    assert axe_violations(page) == []

    # From the main description, Tab walks the languages in order: French, Spanish, then
    # Portuguese, each field in its own language.
    page.get_by_label("Description (Markdown)", exact=True).focus()
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == [
        {"id": "title__fr", "lang": "fr"},
        {"id": "description__fr", "lang": "fr"},
        {"id": "title__es", "lang": "es"},
        {"id": "description__es", "lang": "es"},
        {"id": "title__pt", "lang": "pt-PT"},
    ]
    page.keyboard.type("Almoço")
    page.keyboard.press("Enter")  # submits the form, as in any text field
    expect(page.locator(".flash")).to_have_text("Item saved.")
    expect(page.get_by_label("Title (Portuguese)")).to_have_value("Almoço")

    page.goto(f"{live_server}/events/{demo}/agenda?lang=pt")
    expect(page.locator(f"#item-{item_id} .agenda-item__title")).to_have_text("Almoço")
    fallback = page.locator(".agenda-item__title span[lang='en']").first
    expect(fallback).to_have_text("Arrival and registration")
    assert axe_violations(page) == []


def test_settings_with_the_languages_of_the_event_are_accessible(
    page: Page, app, live_server, demo, make_user
):
    make_user("admin@example.org", UserRole.ADMIN)
    sign_in_page(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/manage/events/{demo}/settings")
    expect(page.get_by_label("Main language")).to_have_value("en")
    # The event, agenda, rooms and speakers (61 texts) and the survey's 7.
    expect(page.locator("#completeness-fr")).to_contain_text("French: 68 of 68")
    expect(page.locator("#title__fr")).to_have_attribute("lang", "fr")
    assert axe_violations(page) == []
