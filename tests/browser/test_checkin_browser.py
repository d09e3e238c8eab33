"""The door, as a volunteer with a phone meets it: Chromium simulates a phone whose camera
films a printed demo badge (Chromium's fake camera fed with the rendered badge), the page
decodes the QR code with its vendored jsQR and checks the person in; the same with the
Wi-Fi gone, where the check-in waits on the phone and arrives once when it is back."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import CheckInRecord, Registration, UserRole
from eventapp.printing import badges

from ..conftest import PASSWORD
from ..pdfcheck import page_texts, render_png
from .conftest import axe_violations, csp_violations, sign_in_page


@pytest.fixture
def phone(playwright, browser_type_launch_args, door):
    """A phone-sized Chromium whose camera films the badge."""
    args = [
        *browser_type_launch_args["args"],
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={door['video']}",
    ]
    browser = playwright.chromium.launch(
        executable_path=browser_type_launch_args["executable_path"], args=args
    )
    device = playwright.devices["Pixel 7"]
    context = browser.new_context(
        **{k: v for k, v in device.items() if k != "default_browser_type"}
    )
    context.grant_permissions(["camera"])
    page = context.new_page()
    refused = csp_violations(page)
    yield page
    context.close()
    browser.close()
    assert refused == [], "the Content-Security-Policy refused part of the door's page"


def sign_in(page, live_server: str, slug: str) -> None:
    sign_in_page(page, live_server, "door@example.org", next_path=f"/checkin/{slug}")
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible()
    # The page keeps itself for offline use once its service worker is ready (a fetch of
    # the page in the background): wait for it, so that it does not race what the test
    # does next (clearing the cookies, going offline).
    expect(page.locator("#checkin")).to_have_attribute("data-offline-ready", "true", timeout=30000)


def count_results_shown(page) -> str:
    """Counts, from now on, each result the page shows, the same one again included (the
    result box's data-outcome is set each time); gives the counter's name on `window`."""
    page.evaluate("""() => {
        window.resultsShown = 0;
        new MutationObserver((changes) => { window.resultsShown += changes.length; })
            .observe(document.getElementById("result"),
                     {attributes: true, attributeFilter: ["data-outcome"]});
    }""")
    return "resultsShown"


def checkins(app, registration_id: int) -> list[CheckInRecord]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(CheckInRecord).where(CheckInRecord.registration_id == registration_id)
            )
        )


def test_holding_the_printed_badge_to_the_phone_camera_checks_the_person_in(
    app, live_server, door, phone, make_user
):
    sign_in(phone, live_server, door["slug"])
    phone.get_by_role("button", name="Scan with the camera").click()
    result = phone.locator("#result")
    expect(result).to_have_attribute("data-outcome", "checked_in", timeout=30000)
    expect(result).to_contain_text("Checked in")
    expect(result).to_contain_text("ნათია გოგოლაძე")
    expect(result).to_contain_text("Speaker")
    records = checkins(app, door["registration_id"])
    assert [(r.method.value, r.actor) for r in records] == [("qr", "door@example.org")]

    # Still in front of the camera a few seconds later: "already", not a second check-in.
    expect(result).to_have_attribute("data-outcome", "already", timeout=15000)
    expect(result).to_contain_text("Already checked in at")
    assert len(checkins(app, door["registration_id"])) == 1

    # The organisers' attendance page counts them.
    make_user("organiser@example.org", UserRole.ADMIN)
    office = phone.context.browser.new_context().new_page()
    sign_in_page(
        office,
        live_server,
        "organiser@example.org",
        next_path=f"/manage/events/{door['slug']}/attendance",
    )
    expect(office.locator("[data-count=checked-in]")).to_have_text("1")
    expect(office.locator(".attendance-total")).to_contain_text("1 checked in of")
    expect(office.locator("#latest-checkins")).to_contain_text("ნათია გოგოლაძე")
    expect(office.locator("#not-arrived-list")).not_to_contain_text("ნათია გოგოლაძე")


def test_without_wifi_the_check_in_waits_on_the_phone_and_arrives_once(
    app, live_server, door, phone
):
    sign_in(phone, live_server, door["slug"])
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Scan with the camera").click()
    result = phone.locator("#result")
    expect(result).to_have_attribute("data-outcome", "queued", timeout=15000)
    expect(phone.locator("#queue")).to_have_text("1 check-in waiting to be sent")
    # The camera reads the badge again (after the page's pause for the same code): still
    # one waiting.
    shown = count_results_shown(phone)
    phone.wait_for_function(f"() => window.{shown} >= 1", timeout=15000)
    expect(result).to_have_attribute("data-outcome", "queued")
    expect(phone.locator("#queue")).to_have_text("1 check-in waiting to be sent")
    assert checkins(app, door["registration_id"]) == []

    phone.context.set_offline(False)
    expect(phone.locator("#queue")).to_be_hidden(timeout=15000)
    records = checkins(app, door["registration_id"])
    assert len(records) == 1 and records[0].queued
    # Scanned again once online: the server says "already", nothing is added.
    expect(result).to_have_attribute("data-outcome", "already", timeout=15000)
    assert len(checkins(app, door["registration_id"])) == 1


def test_search_undo_and_the_page_has_no_accessibility_violations(app, live_server, door, phone):
    sign_in(phone, live_server, door["slug"])
    expect(phone.get_by_role("button", name="Stop the camera")).to_be_hidden()
    assert axe_violations(phone) == []
    phone.get_by_label("Name or organisation").fill("gogoladze")  # no Georgian keyboard
    person = phone.locator(".checkin-person", has_text="ნათია გოგოლაძე")
    person.get_by_role("button", name="Check in").click()
    expect(phone.locator("#result")).to_have_attribute("data-outcome", "checked_in")
    expect(person).to_contain_text("checked in at")
    assert checkins(app, door["registration_id"])[0].method.value == "search"
    person.get_by_role("button", name="Undo check-in").click()
    expect(phone.locator("#result")).to_have_attribute("data-outcome", "undone")
    expect(person.get_by_role("button", name="Check in")).to_be_visible()
    assert axe_violations(phone) == []


def test_a_photo_of_the_badge_is_decoded_by_the_same_code(app, live_server, door, phone, tmp_path):
    sign_in(phone, live_server, door["slug"])
    photo = tmp_path / "badge.png"
    with app.app_context(), app.test_request_context():
        registration = db.session.get(Registration, door["registration_id"])
        render_png(
            badges.render_badges(registration.event, [registration], "single"), scale=4
        ).save(photo)
    phone.locator("#photo").set_input_files(str(photo))
    expect(phone.locator("#result")).to_have_attribute("data-outcome", "checked_in", timeout=15000)
    assert checkins(app, door["registration_id"])[0].method.value == "qr"


def test_a_walk_in_is_registered_by_keyboard_and_their_badge_printed(app, live_server, door, phone):
    sign_in(phone, live_server, door["slug"])
    phone.get_by_text("Register a walk-in").click()
    phone.get_by_label("Given name").fill("Айгерим")
    phone.get_by_label("Family name").fill("Садыкова")
    phone.get_by_label("Organisation", exact=True).fill("Bishkek City Hall")
    phone.get_by_label("E-mail address (optional)").press("Enter")  # submits the form
    expect(phone.locator(".flash")).to_have_text("Айгерим Садыкова is registered and checked in.")
    expect(phone.locator("#result")).to_contain_text("Registered and checked in")
    badge = phone.get_by_role("link", name="Print badge")
    pdf = phone.request.get(live_server + badge.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Айгерим" in page_texts(pdf.body())[0]

    # The same name again: the page points at her instead of registering her twice.
    phone.get_by_text("Register a walk-in").click()
    phone.get_by_label("Given name").fill("Aygerim")
    phone.get_by_label("Family name").fill("Sadykova")
    phone.get_by_role("button", name="Register, check in and print").click()
    expect(phone.get_by_role("alert")).to_contain_text("Айгерим Садыкова")
    assert phone.url.endswith("#walk-in")


def test_a_scan_made_after_the_session_ended_waits_for_the_next_sign_in(
    app, live_server, door, phone
):
    sign_in(phone, live_server, door["slug"])
    phone.context.clear_cookies()  # the session is gone (signed out elsewhere, expired)
    phone.get_by_role("button", name="Scan with the camera").click()
    expect(phone.locator("#result")).to_contain_text("You are signed out", timeout=15000)
    expect(phone.locator("#queue")).to_have_text("1 check-in waiting to be sent")
    assert checkins(app, door["registration_id"]) == []

    phone.get_by_role("link", name="Sign in").click()
    phone.get_by_label("E-mail address").fill("door@example.org")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone.locator("#queue")).to_be_hidden(timeout=15000)
    records = checkins(app, door["registration_id"])
    assert len(records) == 1 and records[0].queued
