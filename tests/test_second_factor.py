"""Two-factor sign-in for staff, through a real HTTP server: an authenticator app (TOTP,
codes computed here with pyotp from the secret the enrolment page shows), recovery codes,
and SECOND_FACTOR_REQUIRED leading accounts without a factor to enrol first. Passkeys are
tested in Chromium (tests/browser/test_passkeys_browser.py)."""

import html
import re
import time
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from eventapp.auth import second_factor, totp
from eventapp.extensions import db
from eventapp.models import RecoveryCode, SecurityEvent, User, UserRole
from eventapp.testing import CSRF, Session

from .conftest import PASSWORD

ADMIN = "admin@example.org"


class Browser:
    """A person's browser over plain HTTP: cookies kept, redirects not followed."""

    def __init__(self, live_server: str):
        self.session = Session(urlsplit(live_server).port)
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """(status, page, Location) of one request; a page's CSRF token is kept for POSTs."""
        conn = self.session.connect()
        try:
            body = headers = None
            if form is not None:
                body = urlencode({"csrf_token": self.token, **form})
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
            conn.request(method, path, body=body, headers=self._headers(headers))
            response = conn.getresponse()
            page = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, val = value.split(";", 1)[0].split("=", 1)
                    self.session.cookies[key.strip()] = val
            if match := CSRF.search(page):
                self.token = match.group(1)
            return response.status, page, response.getheader("Location") or ""
        finally:
            conn.close()

    def _headers(self, headers: dict | None) -> dict:
        headers = dict(headers or {})
        if self.session.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.session.cookies.items())
        return headers

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, **form):
        return self.request("POST", path, form)

    def sign_in(self, email: str = ADMIN) -> str:
        """Give the password; where the app sends the browser next."""
        self.get("/login")
        status, _, location = self.post("/login", email=email, password=PASSWORD)
        assert status == 302, status
        return location

    def sign_out(self) -> None:
        self.get("/account/")
        assert self.post("/logout")[0] == 302


@pytest.fixture
def browser(live_server) -> Browser:
    return Browser(live_server)


@pytest.fixture
def admin(app, make_user) -> int:
    app.config["SECOND_FACTOR_REQUIRED"] = "admins"
    return make_user(ADMIN, UserRole.ADMIN)


def enrol_totp(browser: Browser) -> tuple[str, list[str]]:
    """Set up an authenticator app as a person does; (secret, recovery codes)."""
    status, page, _ = browser.get("/account/totp")
    assert status == 200
    assert "<svg" in page  # the QR code, inline
    secret = html.unescape(re.search(r"<code[^>]*data-secret>([A-Z2-7]+)</code>", page)[1])
    status, page, _ = browser.post("/account/totp", code=pyotp.TOTP(secret).now())
    assert status == 200, page
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next 30-second step (accepted: a phone's clock may run ahead)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def wrong_code(secret: str) -> str:
    """A code no step near now has."""
    now = time.time()
    near = {pyotp.TOTP(secret).at(now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("123456", "654321", "111111", "999999", "000000") if c not in near)


def test_admin_without_second_factor_enrols_totp_then_needs_it_to_sign_in(app, admin, browser):
    assert browser.sign_in() == "/manage/"
    status, _, location = browser.get("/manage/")
    assert (status, location) == (302, "/account/")
    status, page, _ = browser.get("/account/")
    assert "needs a second factor" in page

    secret, codes = enrol_totp(browser)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert browser.get("/manage/")[0] == 200
    browser.sign_out()

    assert browser.sign_in() == "/login/second-factor"
    assert browser.get("/manage/")[2].startswith("/login?next=")  # not signed in yet
    # The code used to enrol is spent: the same code again is a replay.
    status, page, _ = browser.post("/login/second-factor", code=pyotp.TOTP(secret).now())
    assert status == 422 and "wrong or was used already" in page
    assert browser.post("/login/second-factor", code=wrong_code(secret))[0] == 422
    code = next_code(secret)
    status, _, location = browser.post("/login/second-factor", code=code)
    assert (status, location) == (302, "/manage/")
    assert browser.get("/manage/")[0] == 200

    # The same code in another sign-in, within its 90 seconds: refused.
    other = Browser(f"http://127.0.0.1:{browser.session.port}")
    assert other.sign_in() == "/login/second-factor"
    assert other.post("/login/second-factor", code=code)[0] == 422
    assert other.get("/manage/")[0] == 302


def test_the_secret_is_stored_encrypted(app, admin, browser):
    browser.sign_in()
    secret, _ = enrol_totp(browser)
    with app.app_context():
        stored = db.session.get(User, admin).totp_secret
        assert secret not in stored
        assert totp.decrypt(stored) == secret
        app.config["SECRET_KEY"] = "another key"
        assert totp.decrypt(stored) is None


def test_recovery_codes_sign_in_once_each(app, admin, browser):
    browser.sign_in()
    _, codes = enrol_totp(browser)
    browser.sign_out()

    browser.sign_in()
    status, _, location = browser.post("/login/second-factor", code=codes[3].upper())
    assert (status, location) == (302, "/manage/")
    assert "9 left" in browser.get("/manage/")[1]
    browser.sign_out()

    browser.sign_in()
    assert browser.post("/login/second-factor", code=codes[3])[0] == 422
    assert browser.post("/login/second-factor", code="abcd-efgh-jkmn")[0] == 422
    assert browser.post("/login/second-factor", code=codes[4])[0] == 302

    # New codes replace the old ones.
    browser.get("/account/")
    status, page, _ = browser.post("/account/recovery-codes")
    fresh = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)
    assert status == 200 and len(fresh) == 10 and not set(fresh) & set(codes)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 10


def test_wrong_codes_end_the_sign_in_after_five_tries(app, admin, browser):
    browser.sign_in()
    secret, _ = enrol_totp(browser)
    browser.sign_out()
    browser.sign_in()
    right, wrong = next_code(secret), wrong_code(secret)
    for _ in range(second_factor.PENDING_TRIES - 1):
        assert browser.post("/login/second-factor", code=wrong)[0] == 422
    status, _, location = browser.post("/login/second-factor", code=wrong)
    assert (status, location) == (302, "/login")
    # The right code no longer helps: the password is asked again.
    assert browser.post("/login/second-factor", code=right)[2] == "/login"
    assert browser.get("/manage/")[0] == 302


def test_the_second_step_expires(app, admin, browser, monkeypatch):
    browser.sign_in()
    secret, _ = enrol_totp(browser)
    browser.sign_out()
    monkeypatch.setattr(second_factor, "PENDING_SECONDS", -1)
    assert browser.sign_in() == "/login/second-factor"
    status, _, location = browser.post("/login/second-factor", code=next_code(secret))
    assert (status, location) == (302, "/login")
    assert browser.get("/manage/")[0] == 302


@pytest.mark.parametrize(
    ("setting", "role", "home", "must_enrol"),
    [
        ("admins", UserRole.ADMIN, "/manage/", True),
        ("admins", UserRole.ORGANISER, "/manage/", False),
        ("admins", UserRole.CHECKIN, "/checkin/", False),
        ("staff", UserRole.ADMIN, "/manage/", True),
        ("staff", UserRole.ORGANISER, "/manage/", True),
        ("staff", UserRole.CHECKIN, "/checkin/", True),
        ("none", UserRole.ADMIN, "/manage/", False),
    ],
)
def test_who_must_enrol_first(app, make_user, browser, setting, role, home, must_enrol):
    app.config["SECOND_FACTOR_REQUIRED"] = setting
    make_user("someone@example.org", role)
    assert browser.sign_in("someone@example.org") == home
    status, _, location = browser.get(home)
    if must_enrol:
        assert (status, location) == (302, "/account/")
        # Still open: the enrolment pages, static files, health, signing out.
        assert browser.get("/account/totp")[0] == 200
        assert browser.get("/static/css/eventapp.css")[0] == 200
        assert browser.get("/healthz")[0] == 200
        browser.sign_out()
        assert browser.get(home)[2].startswith("/login?next=")
    else:
        assert status == 200


def test_admin_resets_the_second_factor_of_a_user(app, admin, make_user, browser):
    organiser = make_user("organiser@example.org", UserRole.ORGANISER)
    their = Browser(f"http://127.0.0.1:{browser.session.port}")
    their.sign_in("organiser@example.org")
    enrol_totp(their)
    browser.sign_in()
    enrol_totp(browser)
    status, page, _ = browser.get("/manage/users")
    assert "Reset second factor of organiser@example.org" in page
    assert "Reset second factor of admin@example.org" not in page  # not one's own
    assert their.get("/account/")[0] == 200
    status, _, _ = browser.post(f"/manage/users/{organiser}/second-factor/reset")
    assert status == 302
    with app.app_context():
        user = db.session.get(User, organiser)
        assert user.totp_secret is None and user.recovery_codes == [] and user.passkeys == []
        [event] = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.kind == "second_factor_reset")
        ).all()
        assert (event.user_id, event.actor_id, event.detail) == (organiser, admin, "reset")
    # Every session of theirs ended with the reset: a stolen cookie included.
    assert their.get("/account/")[2].startswith("/login?next=")
    # Own account: refused.
    browser.post(f"/manage/users/{admin}/second-factor/reset")
    with app.app_context():
        assert db.session.get(User, admin).totp_secret is not None
    # An organiser's reset is only for admins (signed in again: the reset signed them out).
    their.sign_in("organiser@example.org")
    assert their.post(f"/manage/users/{admin}/second-factor/reset")[0] == 403


def test_turning_totp_off(app, make_user, browser):
    make_user(ADMIN, UserRole.ADMIN)
    browser.sign_in()
    enrol_totp(browser)
    browser.get("/account/")
    assert browser.post("/account/totp/remove")[0] == 302
    browser.sign_out()
    assert browser.sign_in() == "/manage/"  # no second step any more (setting: none)


def test_codes_of_the_neighbouring_steps_count_once_and_older_never():
    secret = pyotp.random_base32()
    now = time.time()
    step = int(now // 30)
    code_at = pyotp.TOTP(secret).generate_otp
    assert totp.matching_step(secret, code_at(step), None, now) == step
    assert totp.matching_step(secret, code_at(step - 1), None, now) == step - 1
    assert totp.matching_step(secret, code_at(step + 1), None, now) == step + 1
    assert totp.matching_step(secret, code_at(step - 2), None, now) is None
    assert totp.matching_step(secret, code_at(step), step, now) is None  # replay
    assert totp.matching_step(secret, code_at(step - 1), step, now) is None
    assert totp.matching_step(secret, "12345", None, now) is None
    assert totp.matching_step(secret, "abcdef", None, now) is None


def test_passkeys_are_not_offered_on_an_ip_address(app, admin, browser):
    """WebAuthn refuses IP addresses as relying party: a site at http://127.0.0.1 says so
    instead of offering a button that cannot work."""
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{browser.session.port}"
    assert "Sign in with a passkey" not in browser.get("/login")[1]
    browser.sign_in()
    page = browser.get("/account/")[1]
    assert "data-passkey-register" not in page and "not by an IP address" in page
    app.config["PUBLIC_BASE_URL"] = f"http://localhost:{browser.session.port}"
    assert "data-passkey-register" in browser.get("/account/")[1]


def test_the_set_up_page_keeps_its_secret_for_its_user_only(app, admin, make_user, browser):
    make_user("organiser@example.org", UserRole.ORGANISER)
    browser.sign_in()
    secret = re.compile(r"data-secret>([A-Z2-7]+)<")
    first = secret.search(browser.get("/account/totp")[1])[1]
    assert secret.search(browser.get("/account/totp")[1])[1] == first  # reloaded
    browser.sign_out()
    browser.sign_in("organiser@example.org")  # same browser, another account
    assert secret.search(browser.get("/account/totp")[1])[1] != first


def test_a_factor_added_ends_the_users_other_sessions_and_is_logged(
    app, live_server, make_user, browser
):
    user = make_user("organiser@example.org", UserRole.ORGANISER)
    laptop, stolen = browser, Browser(live_server)
    laptop.sign_in("organiser@example.org")
    stolen.sign_in("organiser@example.org")
    assert stolen.get("/manage/")[0] == 200
    enrol_totp(laptop)
    assert laptop.get("/manage/")[0] == 200  # the browser that added it stays in
    assert stolen.get("/manage/")[2].startswith("/login?next=")
    with app.app_context():
        kinds = db.session.scalars(
            select(SecurityEvent.detail).where(
                SecurityEvent.user_id == user, SecurityEvent.kind == "second_factor_added"
            )
        ).all()
    assert kinds == ["totp_added"]
