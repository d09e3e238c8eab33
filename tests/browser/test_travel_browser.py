"""The traveller's form in a real browser, by keyboard only: errors read out with their
fields, then saved; axe finds nothing on the way."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import SupportStatus, TravelSupport
from eventapp.travel import services

from ..factories import make_event, make_registration
from .conftest import axe_violations
from .test_registration_browser import tab_to, type_into


def test_travel_form_by_keyboard(page: Page, app, live_server):
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        registration = make_registration(event, given_name="Grace", family_name="Nakato")
        services.decide(registration, SupportStatus.APPROVED, lines=["travel", "accommodation"])
        db.session.commit()
        token = registration.token

    page.goto(f"{live_server}/r/{token}/travel")
    expect(page.locator("h1")).to_have_text("Your travel")
    assert axe_violations(page) == []

    type_into(page, "#departure_city", "Entebbe")
    type_into(page, "#departure_airport", "Entebbe")
    tab_to(page, "#travel-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#passport_name-error")).to_have_text("Please fill in this field.")
    expect(page.locator("#departure_airport")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#departure_airport-error")).to_contain_text("three-letter code")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert axe_violations(page) == []

    type_into(page, "#passport_name", "NAKATO GRACE")
    tab_to(page, "#departure_airport")
    page.keyboard.press("Control+A")
    page.keyboard.type("ebb")
    tab_to(page, "#travel-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Your travel details are saved")
    expect(page.locator("#passport_name")).to_have_value("NAKATO GRACE")
    assert axe_violations(page) == []
    with app.app_context():
        support = db.session.scalar(select(TravelSupport))
        assert (support.passport_name, support.departure_airport) == ("NAKATO GRACE", "EBB")
