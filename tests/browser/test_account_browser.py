"""A person changes their password, and resets a forgotten one from the e-mail's link,
in a real browser; the pages pass axe."""

import re

from playwright.sync_api import Page, expect

from eventapp.models import UserRole

from ..conftest import PASSWORD
from .conftest import axe_violations, sign_in_page

STRONG = "plum orbit kettle sandstone"


def test_a_forgotten_password_is_reset_from_the_e_mail(
    page: Page, app, live_server, make_user, smtp
):
    app.config["PUBLIC_BASE_URL"] = "https://events.example.org"
    make_user()
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    assert axe_violations(page) == []
    page.get_by_label("E-mail address").fill("organiser@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("h1")).to_have_text("Look in your mailbox")
    text = smtp.wait_for(1)[0].get_body(("plain",)).get_content()
    link = re.search(r"https://events\.example\.org(/login/reset/\S+)", text).group(1)

    page.goto(live_server + link)
    page.get_by_label("New password", exact=True).fill("qwertyuiop1357")
    page.get_by_label("New password again").fill("qwertyuiop1357")
    page.get_by_role("button", name="Save the new password").click()
    error = page.locator("#password-error")
    expect(error).to_contain_text("too easy to guess")
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    page.get_by_label("New password", exact=True).fill(STRONG)
    page.get_by_label("New password again").fill(STRONG)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".flash")).to_have_text("Your password is changed: sign in with it.")
    sign_in_page(page, live_server, "organiser@example.org", STRONG)
    expect(page.locator("h1")).to_have_text("Organiser area")
    page.goto(live_server + link)
    expect(page.locator("h1")).to_have_text("This link no longer works")


def test_staff_change_their_password_and_admins_read_the_log(page: Page, live_server, make_user):
    make_user("admin@example.org", UserRole.ADMIN)
    sign_in_page(page, live_server, "admin@example.org")
    page.get_by_role("link", name="Your password").click()
    assert axe_violations(page) == []
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(STRONG)
    page.get_by_label("New password again").fill(STRONG)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".flash")).to_contain_text("Your password is changed.")
    page.goto(f"{live_server}/manage/users")
    page.get_by_role("link", name="Security log").click()
    expect(page.locator("tbody tr").first).to_contain_text("Password changed")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/manage/")
    expect(page.locator("h1")).to_have_text("Organiser sign-in")
