"""Asking for a visa invitation letter in a real browser, with the keyboard only: errors
read out with their fields, then the request sent; axe finds nothing on either page."""

from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import LetterStatus, VisaLetter
from eventapp.travel import visa_letters

from ..factories import make_event, make_registration
from .conftest import axe_violations
from .test_registration_browser import tab_to, type_into


def type_date(page: Page, selector: str, iso: str) -> None:
    """A date typed into Chromium's date field, in the order its locale shows."""
    tab_to(page, selector)
    year, month, day = iso.split("-")
    order = page.evaluate(
        "() => new Intl.DateTimeFormat().formatToParts(new Date(2000, 10, 22))"
        ".map(p => p.type).filter(t => t !== 'literal')"
    )
    parts = {"year": year, "month": month, "day": day}
    page.keyboard.type("".join(parts[name] for name in order))


def test_request_a_visa_letter_with_the_keyboard(page: Page, app, live_server):
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        person = make_registration(event, given_name="Тимур", family_name="Жолдошев")
        db.session.commit()
        token = person.token

    page.goto(f"{live_server}/r/{token}/visa-letter")
    expect(page.locator("h1")).to_have_text("Visa invitation letter")
    assert axe_violations(page) == []

    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#passport_number-error")).to_have_text("Please fill in this field.")
    expect(page.locator("#passport_number")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert axe_violations(page) == []

    type_into(page, "#passport_number", "kg 4417723")
    type_date(page, "#passport_expiry", "2033-01-31")
    tab_to(page, "#nationality")
    page.keyboard.type("Kyrgyz")  # a select picks the option as its name is typed
    type_date(page, "#birth_date", "1985-04-02")
    type_into(page, "#consulate_city", "Bishkek")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Your request was sent")
    assert axe_violations(page) == []

    with app.app_context():
        letter = db.session.scalar(select(VisaLetter))
        assert letter.status == LetterStatus.REQUESTED
        assert visa_letters.passport(letter) == {
            "passport_number": "KG4417723",
            "passport_expiry": date(2033, 1, 31),
            "nationality": "KG",
            "birth_date": date(1985, 4, 2),
        }
