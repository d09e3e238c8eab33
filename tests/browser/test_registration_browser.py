"""Signing up in a real browser with the keyboard only, then using the personal link:
correct the organisation, cancel, and the next person on the waiting list gets the seat."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, Registration, Status

from ..factories import make_event, make_registration
from .conftest import axe_violations


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_sign_up_with_the_keyboard_then_correct_cancel_and_promote(
    page: Page, app, live_server, tmp_path
):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    with app.app_context():
        event = make_event(
            capacity=1,
            title="Migration Dialogue Forum",
            privacy_notice="We keep your data until June.",
        )
        db.session.commit()
        slug, event_id = event.slug, event.id

    page.goto(f"{live_server}/events/{slug}/register")
    expect(page.locator("h1")).to_have_text("Register for Migration Dialogue Forum")
    assert axe_violations(page) == []

    # Sending the empty form: each error is read out with its field.
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#given_name-error")).to_have_text("Please fill in this field.")
    expect(page.locator("#given_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#given_name")).to_have_attribute("aria-describedby", "given_name-error")
    expect(page.locator("#email")).to_have_attribute("aria-describedby", "email-help email-error")
    expect(page.locator("#privacy_consent-error")).to_have_text(
        "Please accept the privacy notice to register."
    )
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert axe_violations(page) == []

    type_into(page, "#given_name", "Nino")
    type_into(page, "#family_name", "Gogoladze")
    type_into(page, "#email", "nino@example.org")
    type_into(page, "#organisation", "Public Service Development Agency")
    tab_to(page, "#country")
    page.keyboard.type("Georgia")
    expect(page.locator("#country")).to_have_value("GE")
    tab_to(page, "#privacy_consent")
    page.keyboard.press("Space")
    expect(page.locator("#privacy_consent")).to_be_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Thank you, Nino")
    expect(page.locator(".status")).to_have_text("Your registration is confirmed.")
    assert axe_violations(page) == []

    # Someone else signs up and waits for the one seat.
    with app.app_context():
        waiting = make_registration(
            db.session.get(Event, event_id), given_name="Ben", status=Status.WAITLISTED
        )
        db.session.commit()
        ben = waiting.token

    # The personal link: correct the organisation.
    tab_to(page, ".selfservice-link a")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your registration")
    assert axe_violations(page) == []
    tab_to(page, "#organisation")
    page.keyboard.press("Control+A")
    page.keyboard.type("Ministry of Justice of Georgia")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_have_text("Your details are saved.")
    expect(page.locator("#organisation")).to_have_value("Ministry of Justice of Georgia")

    # Cancel, with the confirmation step.
    tab_to(page, "a[href$='/cancel']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Cancel your registration?")
    assert axe_violations(page) == []
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".status")).to_have_text("Your registration is cancelled.")

    # Ben got the seat, and sees it on his own page.
    page.goto(f"{live_server}/r/{ben}")
    expect(page.locator(".status")).to_have_text("Your registration is confirmed.")
    with app.app_context():
        nino = db.session.scalar(
            select(Registration).where(Registration.email == "nino@example.org")
        )
        assert nino.organisation == "Ministry of Justice of Georgia"
        assert nino.status == Status.CANCELLED
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3  # confirmed, cancelled, promoted
