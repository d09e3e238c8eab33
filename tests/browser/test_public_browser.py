"""What a visitor sees in a real browser: the demo's pages, by mouse and by keyboard."""

import pytest
from playwright.sync_api import Page, expect

from eventapp.extensions import db
from eventapp.models import UserRole

from ..conftest import PASSWORD
from ..factories import make_event
from .conftest import axe_violations


def test_agenda_shows_the_three_panels_with_their_speakers(page: Page, live_server, demo):
    page.goto(f"{live_server}/events/{demo}/agenda")
    panels = page.locator("li.agenda-item--panel")
    expect(panels).to_have_count(3)
    for i in range(3):
        panel = panels.nth(i)
        expect(panel.locator("dt", has_text="Moderator")).to_be_visible()
        expect(panel.locator("dt", has_text="Panellists")).to_be_visible()
        assert panel.locator(".people a").count() >= 4
    # Follow a panellist to their profile.
    first = panels.first.locator(".roles__group", has_text="Panellists").locator("a").first
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".speaker-items")).to_contain_text("Panel 1")


@pytest.mark.parametrize(
    "path",
    [
        "/events/{slug}/",
        "/events/{slug}/agenda",
        "/events/{slug}/speakers",
        "/events/{slug}/speakers/1",
        "/login",
        "/events/no-such-event/",
        "/events/{slug}/?lang=fr",
    ],
)
def test_public_pages_have_no_accessibility_violations(page: Page, live_server, demo, path):
    page.goto(live_server + path.format(slug=demo))
    assert axe_violations(page) == []


def test_home_page_with_several_events_has_no_violations(page: Page, app, live_server):
    with app.app_context():
        make_event(title="Migration Dialogue Forum")
        make_event(title="Consular Assistance Workshop")
        db.session.commit()
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("Events")
    expect(page.locator(".card")).to_have_count(2)
    assert axe_violations(page) == []


def test_no_page_requests_any_host_but_ours(page: Page, live_server, demo, requested_hosts):
    for path in (
        "/",
        f"/events/{demo}/agenda",
        f"/events/{demo}/speakers",
        f"/events/{demo}/speakers/3",
        "/login",
        "/events/nope/",
    ):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
    assert requested_hosts == {"127.0.0.1"}


def test_pages_fit_a_phone_screen(browser, live_server, demo):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    try:
        for path in (f"/events/{demo}/", f"/events/{demo}/agenda", f"/events/{demo}/speakers"):
            page.goto(live_server + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    finally:
        context.close()


def test_language_switcher_changes_and_remembers_the_language(page: Page, live_server, demo):
    page.goto(f"{live_server}/events/{demo}/agenda")
    expect(page.locator("h1")).to_have_text("Agenda")
    page.get_by_role("link", name="français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Programme")
    page.get_by_role("link", name="Intervenants").click()
    expect(page.locator("h1")).to_have_text("Intervenants")
    expect(page.get_by_text("Géorgie").first).to_be_visible()


def test_organiser_signs_in_with_the_keyboard_only(page: Page, app, live_server, make_user):
    make_user("organiser@example.org", UserRole.ORGANISER)
    page.goto(live_server + "/manage/")
    expect(page).to_have_url(f"{live_server}/login?next=%2Fmanage%2F")
    # From the top of the page: skip link first, then on through the form.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.locator("#email").focus()
    page.keyboard.type("organiser@example.org")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    error = page.locator("#password-error")
    expect(error).to_have_text("Wrong e-mail address or password.")
    expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-error")
    page.locator("#password").fill("")
    page.locator("#password").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/manage/")
    expect(page.locator("h1")).to_have_text("Organiser area")


def test_certificate_verification_pages_have_no_violations(
    page: Page, app, live_server, requested_hosts
):
    from eventapp.certificates.services import ensure_code, format_code
    from eventapp.models.types import utcnow

    from ..factories import make_registration

    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        person = make_registration(
            event, given_name="ნინო", family_name="ბერიძე", checked_in_at=utcnow()
        )
        db.session.flush()
        code = format_code(ensure_code(person))
        db.session.commit()
    page.goto(f"{live_server}/verify/{code}")
    expect(page.locator("h2")).to_have_text("Genuine certificate")
    expect(page.locator("main")).to_contain_text("ნინო ბერიძე")
    assert axe_violations(page) == []
    # A code typed from the paper, in lower case: the form leads to the same answer.
    page.goto(f"{live_server}/verify")
    assert axe_violations(page) == []
    page.get_by_label("Verification code").fill(code.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.locator("h2")).to_have_text("Genuine certificate")
    page.goto(f"{live_server}/verify/ABCD-EFGH-JKMN-PQRS")
    expect(page.locator("h2")).to_have_text("No certificate has this code")
    assert axe_violations(page) == []
    assert requested_hosts == {"127.0.0.1"}
