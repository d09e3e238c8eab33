"""The security headers on every route of the URL map, read over HTTP from a real server.

Every route is asked for as a signed-in administrator with the demo event's data in its
URL variables: GET where the route has one, and every other method without a CSRF token
(refused with 400, so nothing changes, yet the refusal must carry the headers too).
"""

import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, Question, QuestionKind, UserRole
from eventapp.testing import Session

from .conftest import PASSWORD, make_app
from .pages import event_values, fill
from .test_public_links import port_of, served

#: Pages with personal data or a staff member's session.
PRIVATE = re.compile(r"^/(r|manage|checkin)/|^/(login|logout)$")
#: Pages whose URL holds a secret (a token, a check-in or certificate code).
SECRET = re.compile(r"^/r/|^/checkin/[^/]+/(c|badge)/|^/verify/.|^/login/reset/")


def url_values(app, slug: str, admin_id: int) -> dict:
    """A value for each URL variable of the map, from the demo event."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        question = Question(event=event, kind=QuestionKind.SHORT_TEXT, label="Arrival")
        db.session.add(question)
        db.session.commit()
        return event_values(
            event,
            user_id=admin_id,
            question_id=question.id,
            name="missing.jpg",
            filename="css/eventapp.css",
        )


def problems(path: str, status: int, headers: dict, *, https: bool = False) -> list[str]:
    """What is wrong with one response's headers."""
    found = []
    csp = headers.get("content-security-policy", "")
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        if directive not in csp:
            found.append(f"CSP without {directive}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        found.append(f"CSP allows inline code: {csp}")
    if headers.get("x-content-type-options") != "nosniff":
        found.append("no nosniff")
    referrer = "no-referrer" if SECRET.search(path) else "same-origin"
    if headers.get("referrer-policy") != referrer:
        found.append(f"Referrer-Policy {headers.get('referrer-policy')}, not {referrer}")
    if PRIVATE.search(path) and "no-store" not in headers.get("cache-control", ""):
        found.append(f"personal page stored: Cache-Control {headers.get('cache-control')}")
    if https != ("strict-transport-security" in headers):
        found.append(f"HSTS {'missing' if https else 'over plain HTTP'}")
    return [f"{path} ({status}): {problem}" for problem in found]


def request(session: Session, method: str, path: str, headers: dict | None = None):
    conn = session.connect()
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        conn.request(method, path, headers={"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_every_route_sends_the_security_headers(app, live_server, demo, make_user):
    admin = make_user("admin@example.org", UserRole.ADMIN)
    values = url_values(app, demo, admin)
    session = Session(port_of(live_server))
    session.login("admin@example.org", PASSWORD, landing="/manage/")
    found, statuses = [], {}
    for rule in app.url_map.iter_rules():
        path = fill(rule.rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status, headers = request(session, method, path)
            statuses[(rule.endpoint, method)] = status
            found += problems(path, status, headers)
    # Each GET reached its page, but for a made-up photo, a certificate the person has not
    # earned (not checked in), an itinerary the person has no travel support for, a logo
    # and a venue CA the demo does not have: 404 by design; and a password-reset link made
    # of another token: 410.
    missing = {
        "media.photo",
        "registration.certificate",
        "registration.travel_itinerary",
        "public.verify",
        "public.logo",
        "venue.ca_certificate",
        "auth.reset_password",
    }
    assert {e for (e, m), s in statuses.items() if m == "GET" and s >= 400} <= missing
    # Nothing was changed: every other method was refused for want of a CSRF token.
    assert {s for (e, m), s in statuses.items() if m != "GET"} == {400}
    # Error pages too: an unknown page, an unknown personal link.
    for path in ("/no-such-page", "/r/no-such-token"):
        status, headers = request(session, "GET", path)
        assert status == 404
        found += problems(path, status, headers)
    assert found == []


def test_hsts_is_sent_over_https(app, database_url, demo):
    """Behind a proxy that terminates TLS (X-Forwarded-Proto: https, trusted because
    PROXY_FIX_X_FOR is set), every response carries Strict-Transport-Security."""
    proxied = make_app(database_url, PROXY_FIX_X_FOR=1)
    with served(proxied) as port:
        session = Session(port)
        for path in ("/", f"/events/{demo}/", "/login"):
            status, headers = request(session, "GET", path, {"X-Forwarded-Proto": "https"})
            assert status < 400
            assert problems(path, status, headers, https=True) == []
            assert headers["strict-transport-security"] == "max-age=31536000"
        status, headers = request(session, "GET", "/")
        assert "strict-transport-security" not in headers
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()
