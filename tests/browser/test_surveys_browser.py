"""The demo's survey opened by an organiser, answered with the keyboard only (each scale
a radio group: Tab reaches it, the arrow keys choose), then its results; axe finds
nothing on any of the pages."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Category, Event, Registration, Survey, SurveyResponse
from eventapp.models.types import utcnow
from eventapp.surveys import services

from ..factories import make_registration
from .conftest import axe_violations
from .test_manage_browser import sign_in_as_manager
from .test_registration_browser import tab_to, type_into


def test_answer_the_survey_with_the_keyboard_and_read_the_results(
    page: Page, app, live_server, demo, make_user, tmp_path
):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    with app.test_request_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        person = db.session.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.category == Category.PARTICIPANT)
            .order_by(Registration.id)
            .limit(1)
        )
        person.checked_in_at = utcnow()
        survey = db.session.scalar(select(Survey))
        ids = {q.kind.value: q.id for q in survey.questions}
        items = [item.id for item in survey.rated_items]
        db.session.commit()
        token = person.token

    sign_in_as_manager(page, app, live_server, demo, make_user)
    page.goto(f"{live_server}/manage/events/{demo}/survey")
    expect(page.locator("h1")).to_have_text("Feedback survey")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Open the survey").click()
    expect(
        page.get_by_role("button", name="Send the link to the 1 person checked in")
    ).to_be_visible()
    assert axe_violations(page) == []

    page.goto(f"{live_server}/r/{token}")
    page.get_by_role("link", name="Answer the feedback survey").click()
    expect(page.locator("h1")).to_have_text("How was the MIEUX Impact Event?")
    expect(page.get_by_role("group", name="Overall, how would you rate the event?")).to_be_visible()
    assert axe_violations(page) == []

    # Sent empty: the required rating says so next to its group.
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(f"#q_{ids['rating']}-error")).to_have_text(
        "Please choose a point of the scale."
    )
    assert axe_violations(page) == []

    rating = page.locator(f"#q_{ids['rating']}")
    tab_to(page, f"#q_{ids['rating']} input[type=radio]")
    page.keyboard.press("Space")  # the first point, then three to the right
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(rating.get_by_role("radio", name="4", exact=True)).to_be_checked()
    tab_to(page, f"#q_{ids['recommendation']} input[type=radio]")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    expect(
        page.locator(f"#q_{ids['recommendation']}").get_by_role("radio", name="9", exact=True)
    ).to_be_checked()
    tab_to(page, f"#q_{ids['single_choice']} input[type=radio]")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="From a colleague")).to_be_checked()
    type_into(page, f"#q_{ids['long_text']}", "Shorter panels, please.")
    tab_to(page, f"#item_{items[0]} input[type=radio]")
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.screenshot(path=tmp_path / "survey-form.png", full_page=True)
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#survey-answered")).to_have_text("Thank you: your answers are saved.")
    assert axe_violations(page) == []

    with app.app_context():
        [response] = db.session.scalars(select(SurveyResponse)).all()
        assert response.answers == {
            str(ids["rating"]): 4,
            str(ids["recommendation"]): 9,
            str(ids["single_choice"]): "From a colleague",
            str(ids["long_text"]): "Shorter panels, please.",
        }
        assert response.ratings == {str(items[0]): 5}

    # More answers, for a page of results worth looking at.
    with app.test_request_context():
        survey = db.session.scalar(select(Survey))
        for n in range(11):
            someone = make_registration(db.session.get(Event, survey.event_id))
            db.session.flush()
            services.submit(
                survey,
                someone,
                {str(ids["rating"]): 1 + n % 5, str(ids["recommendation"]): 10 - n % 7},
                {str(item): 1 + (n + k) % 5 for k, item in enumerate(items) if (n + k) % 3},
            )
        db.session.commit()
    page.goto(f"{live_server}/manage/events/{demo}/survey/results")
    expect(page.locator("#survey-total")).to_contain_text("12 answers")
    expect(page.locator("#sessions-chart")).to_be_visible()
    page.locator(f"#question-{ids['rating']}-data summary").press("Enter")
    expect(page.locator(f"#question-{ids['rating']}-data table")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=tmp_path / "survey-results.png", full_page=True)
