"""Links written outside a page start with PUBLIC_BASE_URL, whatever Host or
X-Forwarded-Host a request claims; requests for other host names get 400.

The probe of issue 13: a sign-up POST with `Host: evil.example` for an address already
registered used to mail the person their real /r/<token> link on evil.example. Sent here
to a real server over HTTP, with the mail read from a real SMTP server.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import icalendar
from sqlalchemy import select
from werkzeug.serving import make_server

from eventapp.extensions import db
from eventapp.models import Event, Registration, User, UserRole
from eventapp.testing import CSRF, Session

from .conftest import PASSWORD, make_app
from .factories import make_event, make_item, make_registration
from .pdfcheck import qr_codes

BASE = "https://events.example.org"
EVIL = "evil.example"
FORM = "application/x-www-form-urlencoded"


def port_of(url: str) -> int:
    return urlsplit(url).port


@contextmanager
def served(app) -> Iterator[int]:
    """Another app on 127.0.0.1, as the live_server fixture serves the test's."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def registered(app) -> tuple[str, str]:
    """An open event with Nino registered: (slug, her token)."""
    with app.app_context():
        event = make_event(title="Forum 2030")
        make_item(event, title="Opening")
        nino = make_registration(event, given_name="Nino", email="nino@example.org")
        db.session.commit()
        return event.slug, nino.token


def sign_up_again(port: int, slug: str, headers: dict) -> int:
    """The sign-up form posted for Nino's address again, with `headers` on the POST."""
    session = Session(port)
    conn = session.connect()
    try:
        _, html = session.call(conn, "GET", f"/events/{slug}/register")
        status, _ = session.call(
            conn,
            "POST",
            f"/events/{slug}/register",
            urlencode(
                {
                    "csrf_token": CSRF.search(html).group(1),
                    "given_name": "Nino",
                    "family_name": "Gogoladze",
                    "email": "nino@example.org",
                    "organisation": "PSDA",
                    "country": "GE",
                    "dietary": "none",
                    "privacy_consent": "y",
                }
            ),
            {"Content-Type": FORM, **headers},
        )
        return status
    finally:
        conn.close()


def test_a_forged_host_gets_400_and_no_link_is_mailed(app, live_server, smtp):
    slug, _ = registered(app)
    port = port_of(live_server)
    assert sign_up_again(port, slug, {"Host": EVIL}) == 400
    assert sign_up_again(port, slug, {"Host": f"{EVIL}:{port}"}) == 400
    assert smtp.messages == []


def test_the_link_mailed_again_starts_with_the_public_base_url(app, live_server, smtp):
    slug, token = registered(app)
    app.config["PUBLIC_BASE_URL"] = BASE
    # A trusted Host, and an X-Forwarded-Host that no proxy is configured to vouch for.
    assert sign_up_again(port_of(live_server), slug, {"X-Forwarded-Host": EVIL}) == 422
    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert f"{BASE}/r/{token}" in text
    assert EVIL not in message.as_string()


def test_a_forwarded_host_is_checked_only_behind_a_configured_proxy(app, database_url, smtp):
    slug, _ = registered(app)
    proxied = make_app(
        database_url,
        PROXY_FIX_X_HOST=1,
        PUBLIC_BASE_URL=BASE,
        TRUSTED_HOSTS=["events.example.org", "127.0.0.1"],
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"],
    )
    with served(proxied) as port:
        assert sign_up_again(port, slug, {"X-Forwarded-Host": EVIL}) == 400
        assert smtp.messages == []
        assert sign_up_again(port, slug, {"X-Forwarded-Host": "events.example.org"}) == 422
    [message] = smtp.messages
    assert f"{BASE}/r/" in message.get_body(("plain",)).get_content()
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_feeds_and_the_personal_page_link_to_the_public_base_url(app, live_server):
    slug, token = registered(app)
    app.config["PUBLIC_BASE_URL"] = BASE
    session = Session(port_of(live_server))
    conn = session.connect()
    forged = {"X-Forwarded-Host": EVIL}
    try:
        for path in (
            f"/events/{slug}/agenda.ics",
            f"/events/{slug}/schedule.xml",
            f"/events/{slug}/schedule.json",
            f"/r/{token}/done",
        ):
            status, body = session.call(conn, "GET", path, headers=forged)
            assert status == 200, path
            assert BASE in body and EVIL not in body, path
        status, body = session.call(conn, "GET", f"/events/{slug}/agenda.ics")
        [vevent] = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert str(vevent["URL"]).startswith(f"{BASE}/events/{slug}/agenda")
        assert session.call(conn, "GET", f"/r/{token}", headers={"Host": EVIL})[0] == 400
    finally:
        conn.close()


def test_a_badge_printed_at_the_door_holds_the_public_base_url(app, live_server, make_user):
    slug, _ = registered(app)
    volunteer = make_user("door@example.org", UserRole.CHECKIN)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.managers.append(db.session.get(User, volunteer))
        code = db.session.scalar(select(Registration.checkin_code))
        db.session.commit()
    app.config["PUBLIC_BASE_URL"] = BASE
    session = Session(port_of(live_server))
    session.login("door@example.org", PASSWORD)
    conn = session.connect()
    try:
        conn.request(
            "GET",
            f"/checkin/{slug}/badge/{code}.pdf",
            headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items()),
                "X-Forwarded-Host": EVIL,
            },
        )
        response = conn.getresponse()
        assert response.status == 200
        pdf = response.read()
    finally:
        conn.close()
    assert qr_codes(pdf) == [f"{BASE}/checkin/{slug}/c/{code}"]
