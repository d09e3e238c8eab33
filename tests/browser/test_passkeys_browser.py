"""Passkeys as a person meets them, in Chromium with a virtual authenticator (Chrome
DevTools Protocol, WebAuthn domain) standing in for the laptop's fingerprint reader: a new
admin is led to add a passkey, signs out, and signs in with it alone; and with a password
first, uses it as the second step."""

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Passkey, UserRole

from .conftest import axe_violations, sign_in_page

ADMIN = "admin@example.org"


@pytest.fixture
def authenticator(page: Page) -> dict:
    """A platform authenticator that keeps passkeys and verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return {"cdp": cdp, "id": result["authenticatorId"]}


@pytest.fixture
def site(app, live_server, make_user) -> str:
    """The live server as the public address passkeys are bound to, and a new admin.
    By name: WebAuthn refuses an IP address as the relying party."""
    site = live_server.replace("//127.0.0.1:", "//localhost:")
    app.config.update(PUBLIC_BASE_URL=site, SECOND_FACTOR_REQUIRED="admins")
    make_user(ADMIN, UserRole.ADMIN)
    return site


def sign_in_with_password(page: Page, site: str) -> None:
    sign_in_page(page, site, ADMIN)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash")).to_have_text("You are signed out.")


def test_new_admin_adds_a_passkey_signs_out_and_signs_in_with_it(
    page: Page, app, site, authenticator
):
    sign_in_with_password(page, site)
    # Nothing else before a second factor: the organiser area sends them to enrol.
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.get_by_role("alert").first).to_contain_text("needs a second factor")
    assert axe_violations(page) == []
    page.goto(f"{site}/manage/")
    expect(page.locator("h1")).to_have_text("Your account")

    page.get_by_label("Name of the passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator(".flash")).to_have_text("Passkey “Work laptop” added.")
    expect(page.get_by_role("cell", name="Work laptop", exact=True)).to_be_visible()
    credentials = authenticator["cdp"].send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["id"]}
    )["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    page.goto(f"{site}/manage/")
    expect(page.locator("h1")).to_have_text("Organiser area")
    sign_out(page)

    page.goto(f"{site}/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("h1")).to_have_text("Organiser area")
    with app.app_context():
        passkey = db.session.scalar(select(Passkey))
        assert passkey.name == "Work laptop" and passkey.last_used_at is not None

    # The passkey is gone from the account: it no longer signs in.
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("button", name="Remove Work laptop").click()
    expect(page.locator(".flash")).to_have_text("Passkey “Work laptop” removed.")
    sign_out(page)
    page.goto(f"{site}/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("This passkey could not sign you in.")
    expect(page.locator("h1")).to_have_text("Organiser sign-in")


def test_passkey_as_the_second_step_after_the_password(page: Page, app, site, authenticator):
    sign_in_with_password(page, site)
    page.get_by_label("Name of the passkey").fill("Desk key")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator(".flash")).to_have_text("Passkey “Desk key” added.")
    sign_out(page)

    sign_in_with_password(page, site)
    expect(page.locator("h1")).to_have_text("Second step of signing in")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Use my passkey").click()
    expect(page.locator("h1")).to_have_text("Organiser area")


def test_authenticator_app_set_up_page(page: Page, app, site):
    sign_in_with_password(page, site)
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert axe_violations(page) == []
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn it on").click()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert axe_violations(page) == []
