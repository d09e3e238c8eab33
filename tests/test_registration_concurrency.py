"""150 people sign up at once for 100 free seats, through a real server.

gunicorn runs the app with several worker processes on the test database; 150 threads
each open the form (own cookies, own CSRF token) and post it at the same moment. The
rules must hold across processes: exactly 100 confirmed, 50 on the waiting list, nobody
twice, and every person gets the redirect to their "done" page, never an error; a
real worker beside the servers delivers every person's e-mail, once.
"""

import http.client
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Event, MailRecord, MailStatus, Registration, Status
from eventapp.testing import gunicorn, worker

from .conftest import csrf_token_from
from .factories import make_event

PEOPLE = 150
SEATS = 100
TIMEOUT = 60  # seconds for one request; the whole rush takes a few seconds


def server_env(database_url: str, instance: Path, tasks_url: str) -> dict[str, str]:
    return {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_TASKS_URL": tasks_url,
        "FLASK_SECRET_KEY": "concurrency-test-secret",
        "EVENTAPP_INSTANCE_PATH": str(instance),
        # 150 people from one address: far above the per-address limit, which
        # stays on (raised) so that its code runs in the rush too.
        "FLASK_SIGNUP_RATE_LIMIT": "1000 per minute",
        "FLASK_MAIL_SERVER": "",
        "FLASK_PUBLIC_BASE_URL": "http://localhost",
    }  # e-mails go to the outbox folder


def sign_up(port: int, slug: str, n: int, start: threading.Barrier) -> tuple[int, str]:
    """One person: GET the form, then POST it with their CSRF token and session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", f"/events/{slug}/register")
        page = conn.getresponse()
        html = page.read().decode()
        assert page.status == 200, page.status
        cookies = "; ".join(
            header.split(";", 1)[0] for name, header in page.getheaders() if name == "Set-Cookie"
        )
        body = urlencode(
            {
                "csrf_token": csrf_token_from(html),
                "given_name": f"Person {n}",
                "family_name": "Rush",
                "email": f"person{n}@example.org",
                "organisation": "ICMPD",
                "country": "BE",
                "dietary": "none",
                "privacy_consent": "y",
            }
        )
        start.wait(timeout=TIMEOUT)  # everyone posts at once
        conn.request(
            "POST",
            f"/events/{slug}/register",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies},
        )
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


@pytest.mark.slow
def test_150_sign_ups_for_100_seats_through_gunicorn(app, database_url, tasks_url, tmp_path):
    with app.app_context():
        event = make_event(capacity=SEATS)
        db.session.commit()
        slug, event_id = event.slug, event.id
        db.session.remove()

    results: list[tuple[int, str] | BaseException] = [None] * PEOPLE
    # A real worker beside the servers delivers the e-mails, into the outbox folder.
    env = server_env(database_url, tmp_path, tasks_url)
    with gunicorn(env, workers=3) as server, worker(env):
        start = threading.Barrier(PEOPLE)

        def run(n: int) -> None:
            try:
                results[n] = sign_up(server.port, slug, n, start)
            except BaseException as exc:  # reported below, with the others
                results[n] = exc

        threads = [threading.Thread(target=run, args=(n,)) for n in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=2 * TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "requests hung"
        # Every person is told within a minute (at once for most: the worker delivers
        # during the rush).
        outbox = tmp_path / "outbox"
        deadline = time.monotonic() + 60
        while len(list(outbox.glob("*.eml"))) < PEOPLE and time.monotonic() < deadline:
            time.sleep(0.2)  # polling interval
        time.sleep(0.5)  # and no more than that: a duplicate would come now

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    statuses = [status for status, _location in results]
    assert statuses == [302] * PEOPLE, (sorted(set(statuses)), server.output[-2000:])
    assert all(
        re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[\w-]+/done|/r/[\w-]+/done", location)
        for _status, location in results
    )
    assert len({location for _status, location in results}) == PEOPLE

    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Registration.status, func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status)
            ).all()
        )
        emails = db.session.scalars(
            select(Registration.email_key).where(Registration.event_id == event_id)
        ).all()
        positions = db.session.scalars(
            select(Registration.waitlisted_at).where(
                Registration.event_id == event_id, Registration.status == Status.WAITLISTED
            )
        ).all()
        assert db.session.get(Event, event_id).capacity == SEATS
        mails = db.session.execute(
            select(MailRecord.status, func.count())
            .where(MailRecord.event_id == event_id)
            .group_by(MailRecord.status)
        ).all()
    assert {Status(s): n for s, n in counts.items()} == {
        Status.CONFIRMED: SEATS,
        Status.WAITLISTED: PEOPLE - SEATS,
    }
    assert len(emails) == len(set(emails)) == PEOPLE
    assert all(moment is not None for moment in positions)
    # Every person was told: one message each in the worker's outbox.
    assert len(list(outbox.glob("*.eml"))) == PEOPLE
    assert [(MailStatus(status), n) for status, n in mails] == [(MailStatus.WRITTEN, PEOPLE)]
