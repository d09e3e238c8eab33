"""Answering an event's custom questions with the keyboard only: the radio group and the
text field are reached with Tab, errors are read out with them, axe finds nothing."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Question, QuestionKind, Registration

from ..factories import make_event, make_question
from .conftest import axe_violations
from .test_manage_browser import sign_in_as_manager
from .test_registration_browser import tab_to, type_into


def test_answer_custom_questions_with_the_keyboard(page: Page, app, live_server, tmp_path):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        arrival = make_question(
            event,
            label="How do you arrive?",
            required=True,
            kind=QuestionKind.SINGLE_CHOICE,
            choices=["Train", "Plane", "Bus"],
            help_text="For the shuttle.",
        )
        motto = make_question(event, label="Your motto", kind=QuestionKind.SHORT_TEXT)
        db.session.commit()
        slug, arrival_id, motto_id = event.slug, arrival.id, motto.id

    page.goto(f"{live_server}/events/{slug}/register")
    expect(page.get_by_role("group", name="How do you arrive?")).to_be_visible()
    assert axe_violations(page) == []

    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    group = page.locator(f"#q_{arrival_id}")
    expect(page.locator(f"#q_{arrival_id}-error")).to_have_text("Please choose an option.")
    expect(group).to_have_attribute("aria-describedby", f"q_{arrival_id}-help q_{arrival_id}-error")
    expect(page.get_by_role("radio", name="Train")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    type_into(page, "#given_name", "Nino")
    type_into(page, "#family_name", "Gogoladze")
    type_into(page, "#email", "nino@example.org")
    type_into(page, "#organisation", "PSDA")
    tab_to(page, "#country")
    page.keyboard.type("Georgia")
    # Tab enters the radio group on its first option; the arrow keys choose.
    tab_to(page, f"#q_{arrival_id} input[type=radio]")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Plane")).to_be_checked()
    type_into(page, f"#q_{motto_id}", "Onwards")
    tab_to(page, "#privacy_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Thank you, Nino")
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.answers == {str(arrival_id): "Plane", str(motto_id): "Onwards"}


def test_organiser_question_pages_have_no_accessibility_violations(
    page: Page, app, live_server, demo, make_user
):
    sign_in_as_manager(page, app, live_server, demo, make_user)
    base = f"{live_server}/manage/events/{demo}"
    page.goto(f"{base}/questions")
    assert axe_violations(page) == []
    page.get_by_label("Question", exact=True).fill("How do you arrive?")
    page.get_by_label("Kind of answer").select_option("single_choice")
    page.get_by_label("Options, one per line", exact=True).fill("Train")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("#choices-error")).to_have_text(
        "Give at least two different options, one per line."
    )
    assert axe_violations(page) == []
    page.get_by_label("Options, one per line", exact=True).fill("Train\nPlane")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("#questions")).to_contain_text("How do you arrive?")
    assert axe_violations(page) == []
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
        registration_id = db.session.scalar(select(Registration.id).limit(1))
    for path in (
        f"questions/{question_id}",
        f"questions/{question_id}/delete",
        f"registrations/{registration_id}",
    ):
        page.goto(f"{base}/{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{base}/registrations/{registration_id}")
    expect(page.get_by_role("group", name="How do you arrive?")).to_be_visible()
