"""An organiser translates a sign-up question into French with the keyboard, then a
visitor answers it on the French form: the group is named in French, the French option
is ticked, the main language's option is stored. axe finds nothing on either page."""

import os

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Question, QuestionKind, User, UserRole

from ..factories import make_event, make_question
from .conftest import axe_violations, sign_in_page
from .test_registration_browser import tab_to, type_into

#: Where the screenshots go when asked for (SCREENSHOTS=folder), to look at the pages.
SCREENSHOTS = os.environ.get("SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_translate_a_question_then_answer_it_in_french(
    page: Page, app, live_server, make_user, tmp_path
):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum", extra_languages=["fr"])
        event.managers.append(db.session.get(User, user_id))
        question = make_question(
            event,
            label="How do you arrive?",
            kind=QuestionKind.SINGLE_CHOICE,
            choices=["Train", "Plane", "Bus"],
            help_text="For the shuttle.",
        )
        db.session.commit()
        slug, question_id = event.slug, question.id

    sign_in_page(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/manage/events/{slug}/questions/{question_id}")
    expect(page.locator("#translation-fr legend")).to_be_visible()
    type_into(page, "#label__fr", "Comment arrivez-vous ?")
    type_into(page, "#help_text__fr", "Pour la navette.")
    type_into(page, "#choices__fr", "Train\nAvion\nCar")
    shot(page, "question-form-fr")
    assert axe_violations(page) == []
    tab_to(page, "form.form button.button--primary")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Sign-up questions")
    expect(page.locator("#completeness-fr")).to_contain_text("3")

    page.context.clear_cookies()
    page.goto(f"{live_server}/events/{slug}/register?lang=fr")
    group = page.get_by_role("group", name="Comment arrivez-vous ? (facultatif)")
    expect(group).to_be_visible()
    expect(page.locator(f"#q_{question_id}-help")).to_have_text("Pour la navette.")
    page.get_by_label("Avion").check()
    shot(page, "signup-fr")
    assert axe_violations(page) == []
    assert page.get_by_label("Avion").get_attribute("value") == "Plane"
    with app.app_context():
        stored = db.session.get(Question, question_id)
        assert stored.translations["fr"]["choices"] == ["Train", "Avion", "Car"]
        assert db.session.scalar(select(Question.label)) == "How do you arrive?"
