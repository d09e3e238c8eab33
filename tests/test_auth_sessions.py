"""Sign-ins that end on the server (auth/sessions.py), tested over real HTTP: cookies
copied before a sign-out, a password change or a deactivation open nothing after it;
idle timeout and absolute lifetime; the remember-me cookie's token and flags."""

import threading
from datetime import timedelta
from http.client import HTTPConnection
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update
from werkzeug.serving import make_server

from eventapp.extensions import db
from eventapp.models import LoginSession, UserRole
from eventapp.models.types import utcnow

from .conftest import PASSWORD, close_db, csrf_token_from, make_app
from .webclient import WebClient, replay

STRONG = "plum orbit kettle sandstone"
SIGN_IN_AGAIN = "/login?next=%2Fmanage%2F"


def signed_in(
    live_server: str, email: str = "organiser@example.org", remember: bool = True
) -> WebClient:
    client = WebClient(live_server)
    response = client.login(email, PASSWORD, remember=remember)
    assert response.status == 302, response.text
    return client


def copies(client: WebClient) -> list[dict[str, str]]:
    """The session cookie alone, and the remember-me cookie alone."""
    cookies = client.cookies
    return [{"session": cookies["session"]}, {"remember_token": cookies["remember_token"]}]


def assert_each_opens_manage(live_server: str, client: WebClient) -> list[dict[str, str]]:
    kept = copies(client)
    for cookies in kept:
        assert replay(live_server, "/manage/", cookies).status == 200, cookies
    return kept


def assert_none_opens_manage(live_server: str, kept: list[dict[str, str]]) -> None:
    for cookies in kept:
        response = replay(live_server, "/manage/", cookies)
        assert (response.status, response.location) == (302, SIGN_IN_AGAIN), cookies


def test_cookies_copied_before_signing_out_open_nothing_after(live_server, make_user):
    make_user()
    client = signed_in(live_server)
    elsewhere = signed_in(live_server, remember=False)
    kept = assert_each_opens_manage(live_server, client)
    assert client.logout().status == 302
    assert_none_opens_manage(live_server, kept)
    # Signing out ends the account's sign-ins on every device.
    assert elsewhere.get("/manage/").location == SIGN_IN_AGAIN
    assert client.get("/manage/").location == SIGN_IN_AGAIN


def test_changing_ones_password_ends_every_other_sign_in(app, live_server, make_user):
    make_user()
    client = signed_in(live_server)
    other_device = signed_in(live_server)
    kept = assert_each_opens_manage(live_server, client)
    response = client.submit(
        "/account/password", {"current_password": PASSWORD, "password": STRONG, "confirm": STRONG}
    )
    assert (response.status, response.location) == (302, "/account/password")
    # This browser stays signed in, on a new sign-in with a new remember-me token...
    assert client.get("/manage/").status == 200
    assert client.cookies["remember_token"] != kept[1]["remember_token"]
    assert_each_opens_manage(live_server, client)
    # ...while copies of its old cookies, and the other device, are signed out.
    assert_none_opens_manage(live_server, kept)
    assert other_device.get("/manage/").location == SIGN_IN_AGAIN
    with app.app_context():
        assert len(db.session.scalars(select(LoginSession)).all()) == 1


def test_deactivation_by_an_admin_ends_every_sign_in(app, live_server, make_user):
    make_user("admin@example.org", UserRole.ADMIN)
    user_id = make_user("organiser@example.org")
    victim = signed_in(live_server)
    kept = assert_each_opens_manage(live_server, victim)
    admin = signed_in(live_server, "admin@example.org")
    response = admin.submit(f"/manage/users/{user_id}", {"active": "0"}, page="/manage/users")
    assert response.status == 302
    assert_none_opens_manage(live_server, kept)
    assert victim.get("/manage/").location == SIGN_IN_AGAIN
    # Switched on again, the account signs in anew; the old cookies stay dead.
    admin.submit(f"/manage/users/{user_id}", {"active": "1"}, page="/manage/users")
    assert_none_opens_manage(live_server, kept)
    assert signed_in(live_server).get("/manage/").status == 200


def test_remember_me_token_changes_at_each_sign_in(live_server, make_user):
    make_user()
    first = signed_in(live_server).cookies["remember_token"]
    second = signed_in(live_server).cookies["remember_token"]
    assert first != second


@pytest.fixture
def serve(app):
    """Serve another app built on the test database (the `app` fixture empties it)."""
    servers = []

    def start(other) -> str:
        server = make_server("127.0.0.1", 0, other, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("secure", [False, True])
def test_remember_cookie_is_protected_like_the_session_cookie(
    database_url, serve, make_user, secure
):
    make_user()
    other = make_app(database_url, SESSION_COOKIE_SECURE=secure)
    conn = HTTPConnection(serve(other), timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html, cookie = page.read().decode(), page.getheader("Set-Cookie").split(";")[0]
    conn.request(
        "POST",
        "/login",
        urlencode(
            {
                "email": "organiser@example.org",
                "password": PASSWORD,
                "remember": "y",
                "csrf_token": csrf_token_from(html),
            }
        ),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    assert response.status == 302
    set_cookies = {
        header.split("=", 1)[0]: header
        for name, header in response.getheaders()
        if name.lower() == "set-cookie"
    }
    for name in ("session", "remember_token"):
        flags = {part.strip().lower() for part in set_cookies[name].split(";")[1:]}
        assert "httponly" in flags and "samesite=lax" in flags, set_cookies[name]
        assert ("secure" in flags) == secure, set_cookies[name]
    conn.close()
    with other.app_context():
        close_db()


def test_remember_cookie_settings_follow_the_session_cookie_settings(monkeypatch):
    from eventapp import create_app

    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SAMESITE", "Strict")
    monkeypatch.setenv("FLASK_SESSION_LIFETIME_DAYS", "7")
    config = create_app({"SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://events.example.org"}).config
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Strict"
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)


def _move_back(app, **times: timedelta) -> None:
    with app.app_context():
        now = utcnow()
        db.session.execute(
            update(LoginSession).values({column: now - delta for column, delta in times.items()})
        )
        db.session.commit()


def test_a_sign_in_ends_after_the_idle_timeout(app, live_server, make_user):
    make_user()
    client = signed_in(live_server, remember=False)
    _move_back(app, last_seen_at=timedelta(hours=7, minutes=58))
    assert client.get("/manage/").status == 200  # and that request counts as activity
    _move_back(app, last_seen_at=timedelta(hours=8, minutes=1))
    assert client.get("/manage/").location == SIGN_IN_AGAIN


def test_keep_me_signed_in_outlives_the_idle_timeout_not_the_lifetime(app, live_server, make_user):
    make_user()
    client = signed_in(live_server, remember=True)
    kept = copies(client)
    _move_back(app, last_seen_at=timedelta(days=3), created_at=timedelta(days=29))
    assert client.get("/manage/").status == 200
    _move_back(app, created_at=timedelta(days=30, minutes=1))
    assert client.get("/manage/").location == SIGN_IN_AGAIN
    assert_none_opens_manage(live_server, kept)


def test_settings_change_the_timeouts(app, live_server, make_user):
    app.config.update(SESSION_IDLE_MINUTES=5)
    make_user()
    client = signed_in(live_server, remember=False)
    _move_back(app, last_seen_at=timedelta(minutes=6))
    assert client.get("/manage/").location == SIGN_IN_AGAIN


def test_last_seen_is_written_at_most_once_a_minute(app, live_server, make_user):
    make_user()
    client = signed_in(live_server, remember=False)

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(LoginSession.last_seen_at))

    _move_back(app, last_seen_at=timedelta(seconds=30))
    before = last_seen()
    assert client.get("/manage/").status == 200
    assert last_seen() == before
    _move_back(app, last_seen_at=timedelta(minutes=2))
    assert client.get("/manage/").status == 200
    assert utcnow() - last_seen() < timedelta(seconds=10)


def test_end_sessions_can_keep_the_current_one(app, make_user):
    """For callers that sign the other devices out (a second factor added, say)."""
    from eventapp.auth import sessions
    from eventapp.models import User

    user_id = make_user()
    with app.app_context():
        user = db.session.get(User, user_id)
        sessions.start(user, remember=False)
        kept = sessions.start(user, remember=True)
        assert sessions.end_sessions(user, except_current=True) == 1
        db.session.commit()
        assert sessions.load(kept) is user
        assert sessions.end_sessions(user) == 1
        db.session.commit()
        assert sessions.load(kept) is None
