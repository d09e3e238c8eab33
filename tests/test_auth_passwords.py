"""Password life cycle: the rule for new passwords, changing one's own, and the
"forgot your password?" link (single use, 30 minutes, same answer for every address),
over real HTTP with a real SMTP server."""

import re
import time

import pytest
from aiosmtpd.controller import Controller
from huey.storage import MemoryStorage
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from eventapp.auth import password_reset, sessions
from eventapp.auth.services import password_problem
from eventapp.extensions import db
from eventapp.models import LoginSession, User, UserRole
from eventapp.queue.tasks import huey
from eventapp.testing import free_port

from .conftest import PASSWORD, Inbox
from .webclient import WebClient, replay

STRONG = "plum orbit kettle sandstone"
BASE = "https://events.example.org"


@pytest.mark.parametrize(
    "password,reason",
    [
        ("short", "at least 12 characters"),
        ("123qweasdzxc", "most common passwords"),
        ("qwertyuiop1357", "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("organiser@example.org1", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, reason):
    with app.test_request_context():
        assert reason in password_problem(password, ["organiser@example.org"])


def test_strong_passwords_pass(app):
    with app.test_request_context():
        assert password_problem(STRONG, ["organiser@example.org"]) is None
        assert password_problem(PASSWORD, ["organiser@example.org"]) is None


def test_the_reason_is_shown_next_to_the_field_in_french(live_server, make_user):
    make_user()
    client = WebClient(live_server)
    client.login("organiser@example.org", PASSWORD)
    client.get("/?lang=fr")
    response = client.submit(
        "/account/password",
        {"current_password": PASSWORD, "password": "qwertyuiop1357", "confirm": "qwertyuiop1357"},
    )
    assert response.status == 422
    error = re.search(r'<p class="field__error" id="password-error">([^<]+)</p>', response.text)
    assert error and "trop facile à deviner" in error.group(1)
    assert 'aria-describedby="password-help password-error"' in response.text


def test_changing_ones_password_needs_the_current_one(app, live_server, make_user):
    make_user()
    client = WebClient(live_server)
    client.login("organiser@example.org", PASSWORD)
    assert client.get("/account/password").status == 200
    wrong = client.submit(
        "/account/password",
        {"current_password": "not the password", "password": STRONG, "confirm": STRONG},
    )
    assert wrong.status == 422
    assert re.search(r'id="current_password-error">This is not your current password.', wrong.text)
    differ = client.submit(
        "/account/password",
        {"current_password": PASSWORD, "password": STRONG, "confirm": STRONG + "x"},
    )
    assert differ.status == 422 and "The two passwords differ." in differ.text
    done = client.submit(
        "/account/password", {"current_password": PASSWORD, "password": STRONG, "confirm": STRONG}
    )
    assert done.status == 302
    assert "Your password is changed" in client.get("/account/password").text
    assert WebClient(live_server).login("organiser@example.org", PASSWORD).status == 422
    assert WebClient(live_server).login("organiser@example.org", STRONG).status == 302


def test_the_password_page_needs_a_signed_in_user(live_server):
    response = WebClient(live_server).get("/account/password")
    assert (response.status, response.location) == (302, "/login?next=%2Faccount%2Fpassword")


def _ask_for_link(live_server: str, email: str, **headers) -> tuple[int, str, float]:
    client = WebClient(live_server)
    assert 'href="/login/forgot"' in client.get("/login").text
    started = time.perf_counter()
    response = client.submit("/login/forgot", {"email": email})
    elapsed = time.perf_counter() - started
    page = re.sub(r'name="csrf_token"[^>]*>', "", response.text)
    return response.status, page, elapsed


def _link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def test_forgotten_password_link_works_once(app, live_server, make_user, smtp):
    app.config["PUBLIC_BASE_URL"] = BASE
    make_user()
    signed_in = WebClient(live_server)
    signed_in.login("organiser@example.org", PASSWORD, remember=True)
    kept = [
        {"session": signed_in.cookies["session"]},
        {"remember_token": signed_in.cookies["remember_token"]},
    ]

    known = _ask_for_link(live_server, "Organiser@Example.org")
    unknown = _ask_for_link(live_server, "nobody@example.org")
    assert known[:2] == unknown[:2]
    assert known[0] == 200 and "If an account has this address" in known[1]
    smtp.wait_for(1)
    message = smtp.messages[0]
    assert smtp.recipients == [["organiser@example.org"]]
    assert message["Subject"] == "Choose a new password"
    link = _link(message)
    # Built from PUBLIC_BASE_URL, never from the request's Host header.
    assert link.startswith(f"{BASE}/login/reset/")
    path = link.removeprefix(BASE)

    client = WebClient(live_server)
    form = client.get(path)
    assert form.status == 200 and '<meta name="referrer" content="no-referrer">' in form.text
    weak = client.submit(path, {"password": "qwertyuiop1357", "confirm": "qwertyuiop1357"})
    assert weak.status == 422 and "too easy to guess" in weak.text
    done = client.submit(path, {"password": STRONG, "confirm": STRONG})
    assert (done.status, done.location) == (302, "/login")
    assert WebClient(live_server).login("organiser@example.org", STRONG).status == 302
    # Single use: the link died with the old password.
    again = WebClient(live_server).get(path)
    assert again.status == 410 and "This link no longer works" in again.text
    assert (
        WebClient(live_server)
        .submit(
            path,
            {
                "password": "another plum orbit kettle",
                "confirm": "another plum orbit kettle",
            },
            page="/login/forgot",
        )
        .status
        == 410
    )
    # Sessions opened with the old password ended, copies of their cookies too.
    for cookies in kept:
        assert replay(live_server, "/manage/", cookies).status == 302
    with app.app_context():
        assert db.session.scalar(select(User)).check_password(STRONG)


def test_link_ignores_a_forged_host_header(app, live_server, make_user, smtp):
    app.config["PUBLIC_BASE_URL"] = BASE
    make_user()
    client = WebClient(live_server)
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login/forgot").text
    ).group(1)
    # A forged Host is refused outright (TRUSTED_HOSTS), nothing is mailed.
    response = client.request(
        "POST",
        "/login/forgot",
        {"email": "organiser@example.org", "csrf_token": token},
        headers={"Host": "evil.example"},
    )
    assert response.status == 400
    # A forged X-Forwarded-Host is not believed: the link starts with PUBLIC_BASE_URL.
    client.request(
        "POST",
        "/login/forgot",
        {"email": "organiser@example.org", "csrf_token": token},
        headers={"X-Forwarded-Host": "evil.example"},
    )
    smtp.wait_for(1)
    link = _link(smtp.messages[0])
    assert link.startswith(f"{BASE}/login/reset/") and "evil" not in link


def test_link_expires_after_30_minutes(app, live_server, make_user):
    user_id = make_user()

    class HalfAnHourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 30 * 60 - 5

    with app.app_context():
        user = db.session.get(User, user_id)
        fresh = password_reset.make_token(user)
        old = URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt="password-reset", signer=HalfAnHourAgo
        ).dumps([user.id, password_reset._fingerprint(user)])
    assert WebClient(live_server).get(f"/login/reset/{fresh}").status == 200
    assert WebClient(live_server).get(f"/login/reset/{old}").status == 410
    assert WebClient(live_server).get("/login/reset/forged.token").status == 410


def test_deactivated_accounts_get_no_link(app, live_server, make_user, smtp):
    user_id = make_user()
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert _ask_for_link(live_server, "organiser@example.org")[0] == 200
    # Nothing to wait for: a link asked for afterwards, for an active account, comes alone.
    make_user("active@example.org")
    assert _ask_for_link(live_server, "active@example.org")[0] == 200
    assert [m["To"] for m in smtp.wait_for(1)] == ["active@example.org"]


class SlowInbox(Inbox):
    """A mail server that takes its time to accept a message."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import asyncio

        # The slowness is what the test is about: the answer must not wait for it.
        await asyncio.sleep(3)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
def test_the_answer_does_not_wait_for_the_mail_server(app, live_server, make_user):
    """Same timing whether the address has an account or not: delivery happens after,
    by the queue's worker (here: its queued task run once the answers are in)."""
    # Tasks wait in memory rather than run at once (the suite's immediate mode); the next
    # test's app configures the queue afresh.
    huey._immediate = False
    huey.storage = MemoryStorage(huey.name)
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        make_user()
        unknown = _ask_for_link(live_server, "nobody@example.org")
        known = _ask_for_link(live_server, "organiser@example.org")
        assert known[:2] == unknown[:2]
        # SMTP takes 3 s here; the margins leave room for a loaded machine.
        assert known[2] < 2.0 and abs(known[2] - unknown[2]) < 1.0, (known[2], unknown[2])
        assert huey.pending_count() == 1
        huey.execute(huey.dequeue())
        inbox.wait_for(1)
    finally:
        controller.stop()


def test_links_asked_for_one_address_are_limited(app, live_server, make_user, smtp):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per hour"
    make_user()
    assert _ask_for_link(live_server, "organiser@example.org")[0] == 200
    assert _ask_for_link(live_server, "organiser@example.org")[0] == 200
    # The client's address has used its two asks, whatever the account.
    assert _ask_for_link(live_server, "nobody@example.org")[0] == 429
    smtp.wait_for(2)


def test_create_user_command_refuses_guessable_passwords(app, runner):
    result = runner.invoke(
        args=["create-user", "new@example.org", "--role", "admin", "--password-stdin"],
        input="password1234567\n",
    )
    assert result.exit_code != 0 and "too easy to guess" in result.output
    result = runner.invoke(
        args=["create-user", "new@example.org", "--role", "admin", "--password-stdin"],
        input="new@example.org!\n",
    )
    assert result.exit_code != 0 and "too easy to guess" in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_admin_form_shows_the_reason_next_to_the_password(live_server, make_user):
    make_user("admin@example.org", UserRole.ADMIN)
    admin = WebClient(live_server)
    admin.login("admin@example.org", PASSWORD)
    response = admin.submit(
        "/manage/users",
        {"email": "new@example.org", "role": "organiser", "password": "123qweasdzxc"},
    )
    assert response.status == 422
    assert re.search(
        r'id="password-error">This password is on the list of the most common', response.text
    )
    created = admin.submit(
        "/manage/users", {"email": "new@example.org", "role": "organiser", "password": STRONG}
    )
    assert created.status == 302


def test_a_reset_ends_every_sign_in_of_the_account(app, make_user):
    user_id = make_user()
    with app.test_request_context():
        user = db.session.get(User, user_id)
        sessions.start(user, remember=True)
        db.session.commit()
        password_reset.reset_password(user, STRONG)
        assert db.session.scalars(select(LoginSession)).all() == []
