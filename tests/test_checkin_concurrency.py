"""Two volunteers scan the same badge in the same second, through a real server.

gunicorn runs the app with several worker processes on the test database; two check-in
volunteers, each signed in with a session of their own, scan every person's badge at the
same moment from several devices (threads released together by a barrier). The database
must decide: one check-in per person, recorded once, by the volunteer who was told
"checked in"; everybody else is told "already checked in" by whom, and nobody gets an
error. A scan queued offline and replayed twice keeps the device's time of the scan.
"""

import http.client
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import CheckInAction, CheckInMethod, CheckInRecord, Registration, UserRole
from eventapp.testing import Session, gunicorn

from .conftest import PASSWORD
from .factories import make_event, make_registration

PEOPLE = 30
VOLUNTEERS = ("door-a@example.org", "door-b@example.org")
DEVICES = 3  # per volunteer: phones of one account scanning the same badge at once
TIMEOUT = 30  # seconds for one request


def server_env(database_url: str, instance) -> dict[str, str]:
    return {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "checkin-concurrency-secret",
        "EVENTAPP_INSTANCE_PATH": str(instance),
        "FLASK_MAIL_SERVER": "",
    }


class Volunteer(Session):
    """One signed-in account: its session cookie and CSRF token, shared by the devices
    (threads) that scan for it, each with a connection of its own."""

    def __init__(self, port: int, email: str):
        super().__init__(port, timeout=TIMEOUT)
        self.email = email
        self.login(email, PASSWORD)

    def scan(self, conn, slug: str, payload: dict) -> tuple[int, dict | str]:
        """POST /checkin/<slug>/scan as the door's page does."""
        status, text = self.post_json(conn, f"/checkin/{slug}/scan", payload)
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text


def scan_together(
    volunteers: list[Volunteer], slug: str, payloads: list[dict], per_volunteer: int = DEVICES
) -> list[list[tuple[str, int, dict | str]]]:
    """For each payload, every device of every volunteer posts it at the same moment;
    gives per payload the (volunteer's e-mail, status, answer) of each device."""
    devices = [v for v in volunteers for _ in range(per_volunteer)]
    results = [[None] * len(devices) for _ in payloads]
    start = threading.Barrier(len(devices))

    def device(d: int, volunteer: Volunteer) -> None:
        conn = volunteer.connect()
        try:
            for n, payload in enumerate(payloads):
                start.wait(timeout=TIMEOUT)  # everyone scans this badge at once
                try:
                    results[n][d] = (volunteer.email, *volunteer.scan(conn, slug, payload))
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    results[n][d] = (volunteer.email, 0, f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    threads = [threading.Thread(target=device, args=(d, v)) for d, v in enumerate(devices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * (len(payloads) + 1))
    assert not any(thread.is_alive() for thread in threads), "scans hung"
    return results


@pytest.mark.slow
def test_two_volunteers_scanning_the_same_badges_check_each_person_in_once(
    app, database_url, tmp_path
):
    device_time = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0)
    with app.app_context():
        event = make_event()
        people = [make_registration(event) for _ in range(PEOPLE + 1)]
        users = [create_user(email, PASSWORD, UserRole.CHECKIN) for email in VOLUNTEERS]
        for user in users:
            event.managers.append(user)
        db.session.commit()
        slug, event_id = event.slug, event.id
        codes = {r.checkin_code: r.id for r in people}
        user_ids = {u.email: u.id for u in users}
        db.session.remove()
    *scanned, queued = codes

    with gunicorn(server_env(database_url, tmp_path), workers=3) as server:
        volunteers = [Volunteer(server.port, email) for email in VOLUNTEERS]
        # Half the badges read as the QR code's URL, half typed or picked from a search.
        payloads = [
            {"code": f"{server.url}/checkin/{slug}/c/{code}", "method": "qr"}
            if n % 2
            else {"code": code, "method": "search"}
            for n, code in enumerate(scanned)
        ]
        rounds = scan_together(volunteers, slug, payloads)
        # A phone back online replays its queue, and replays it again (the first answer
        # was lost): the same scan twice, at the same moment.
        replay = scan_together(
            volunteers[:1],
            slug,
            [{"code": queued, "method": "qr", "queued": True, "at": device_time.isoformat()}],
            per_volunteer=2,
        )
    # Every answer is JSON with status 200: no 5xx, no "database is locked".
    answers = [a for r in rounds + replay for a in r]
    assert all(status == 200 and isinstance(body, dict) for _, status, body in answers), (
        [a for a in answers if a[1] != 200][:3],
        server.output[-2000:],
    )

    winners: dict[str, str] = {}
    for code, answers in zip(scanned + [queued], rounds + replay, strict=True):
        outcomes = sorted(body["result"] for _, _, body in answers)
        assert outcomes == ["already"] * (len(answers) - 1) + ["checked_in"], (code, outcomes)
        winner = next(email for email, _, body in answers if body["result"] == "checked_in")
        winners[code] = winner
        # Those told "already" are told by whom: the winner, whoever they are.
        assert all(
            body["person"]["checked_in_by"] == winner and body["person"]["checked_in"]
            for _, _, body in answers
        ), (code, answers)

    with app.app_context():
        records = db.session.scalars(
            select(CheckInRecord).where(CheckInRecord.event_id == event_id)
        ).all()
        registrations = {
            r.id: r
            for r in db.session.scalars(
                select(Registration).where(Registration.event_id == event_id)
            )
        }
        assert len(records) == len(codes)
        by_registration = {r.registration_id: r for r in records}
        assert set(by_registration) == set(codes.values())  # one each, nobody twice
        for code, registration_id in codes.items():
            record = by_registration[registration_id]
            registration = registrations[registration_id]
            assert record.action == CheckInAction.CHECK_IN
            assert record.user_id == user_ids[winners[code]]
            assert record.actor == winners[code]
            assert registration.checked_in_by_id == user_ids[winners[code]]
            assert registration.checked_in_at is not None
            assert registration.checked_in_at == record.at
            assert record.recorded_at >= record.at

        replayed = by_registration[codes[queued]]
        assert replayed.queued is True
        assert replayed.at == device_time  # the device's time, not the server's
        assert replayed.recorded_at > device_time + timedelta(minutes=4)
        assert replayed.method == CheckInMethod.QR
        assert {r.method for r in records} == {CheckInMethod.QR, CheckInMethod.SEARCH}
        db.session.remove()
