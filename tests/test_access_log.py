"""gunicorn's access log never holds a registration token, a check-in or certificate code,
or a name searched for at the door: a real gunicorn (reading gunicorn.conf.py as
`make run` does) writes its access log to a file, which is then read."""

import http.client
from urllib.parse import quote

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Registration
from eventapp.testing import gunicorn
from eventapp.web.access_log import redact


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ("GET /r/Tok3n-_x/done HTTP/1.1", "GET /r/[redacted]/done HTTP/1.1"),
        ("/checkin/forum/c/K7X2Q?x=1", "/checkin/forum/c/[redacted]?x=1"),
        ("/checkin/forum/badge/K7X2Q.pdf", "/checkin/forum/badge/[redacted]"),
        ("/verify/ABCD-EFGH", "/verify/[redacted]"),
        ("/verify?code=ABCD&lang=fr", "/verify?code=[redacted]&lang=fr"),
        ("/login?next=%2Fcheckin%2Fforum%2Fc%2FK7X2Q", "/login?next=[redacted]"),
        ("/checkin/forum/search?q=Nino", "/checkin/forum/search?q=[redacted]"),
        ("/checkin/forum?walk_in=K7X2Q", "/checkin/forum?walk_in=[redacted]"),
        ("q=Nino&lang=en", "q=[redacted]&lang=en"),
        ("https://events.example.org/r/Tok3n", "https://events.example.org/r/[redacted]"),
        (
            "/manage/events/forum/registrations?status=confirmed",
            "/manage/events/forum/registrations?status=confirmed",
        ),
        ("/events/forum/agenda", "/events/forum/agenda"),
    ],
)
def test_redact(line, logged):
    assert redact(line) == logged


def test_gunicorn_access_log_shows_no_token_code_or_name(app, demo, database_url, tmp_path):
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.certificate_code.is_(None)).limit(1)
        )
        token, code, name = registration.token, registration.checkin_code, "Beridze"
    secrets = (token, code, quote(code, safe=""), name)
    paths = [
        f"/r/{token}",
        f"/r/{token}/done",
        f"/r/{token}/data.json",
        f"/checkin/{demo}/c/{code}",
        f"/checkin/{demo}/badge/{code}.pdf",
        f"/checkin/{demo}/search?q={name}",
        f"/checkin/{demo}?walk_in={code}",
        f"/verify/{code}",
        f"/verify?code={code}",
        f"/login?next={quote(f'/checkin/{demo}/c/{code}', safe='')}",
    ]
    log = tmp_path / "access.log"
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "access-log-test",
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
    }
    with gunicorn(env, workers=1, access_log=log) as server:
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            conn.request("GET", path, headers={"Referer": f"{server.url}/r/{token}"})
            conn.getresponse().read()
            conn.close()
    lines = [line for line in log.read_text().splitlines() if "/healthz" not in line]
    assert len(lines) == len(paths), lines
    assert not [line for line in lines if any(secret in line for secret in secrets)]
    assert sum("/r/[redacted]/done HTTP/1.1" in line for line in lines) == 1
    assert all(f'"{server.url}/r/[redacted]"' in line for line in lines)  # the Referer
