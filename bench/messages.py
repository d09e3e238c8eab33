"""How long an organiser's message to 2,000 people takes to prepare: the recipient count
the compose page shows, the message's page (count, the preview for one person, the list
to choose them from), and each batch of copies the worker queues (BATCH at a time).

Builds a fresh event of 2,000 confirmed people (names in Cyrillic, Georgian and Latin,
half in French) in a temporary SQLite database; the copies are queued for delivery in a
task storage of its own, so nothing is sent. Prints the median and 90th percentile.

    .venv/bin/python bench/messages.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, select

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.mail import organiser_messages as services
from eventapp.models import Event, MailRecord, Registration, Status, UserRole

PEOPLE = 2000
PASSWORD = "correct horse battery staple"
NAMES = ("Айгүл", "ნათია", "Inês", "Carlos")


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PUBLIC_BASE_URL": "http://localhost",
            "TASKS_URL": f"sqlite:///{folder / 'tasks.sqlite3'}",
            "SECOND_FACTOR_REQUIRED": "none",
        }
    )
    with app.app_context():
        db.create_all()
        start = datetime(2030, 9, 16, 7, 0, tzinfo=UTC)
        event = Event(
            slug="big",
            title="Bench Conference",
            timezone="Europe/Brussels",
            starts_at=start,
            ends_at=start.replace(hour=17),
            capacity=PEOPLE,
        )
        db.session.add(event)
        for n in range(PEOPLE):
            db.session.add(
                Registration(
                    event=event,
                    given_name=NAMES[n % 4],
                    family_name=f"Family {n}",
                    email=f"p{n}@example.org",
                    status=Status.CONFIRMED,
                    country="BE",
                    language="fr" if n % 2 else "en",
                )
            )
        create_user("bench@example.org", PASSWORD, UserRole.ADMIN)
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    assert token is not None
    signed_in = client.post(
        "/login",
        data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed_in.status_code == 302, signed_in.status_code
    count_times, page_times, batch_times = [], [], []
    for _run in range(args.runs):
        with app.test_request_context():
            event = db.session.scalar(select(Event))
            db.session.execute(delete(MailRecord))
            message = services.new_message(event, None)
            services.save(
                message,
                {
                    "en": (
                        "Practical information for {given_name}",
                        "Dear {given_name},\n\n**{venue}**, [your page]({link})\n\n{ticket}",
                    ),
                    "fr": (
                        "Informations pratiques pour {given_name}",
                        "Bonjour {given_name},\n\n**{venue}**\n\n{ticket}",
                    ),
                },
                {"status": "confirmed"},
            )
            db.session.commit()
            message_id = message.id
        t = time.perf_counter()
        assert client.get("/manage/events/big/messages/count?status=confirmed").status_code == 200
        count_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert client.get(f"/manage/events/big/messages/{message_id}").status_code == 200
        page_times.append(time.perf_counter() - t)
        with app.test_request_context():
            services.start(db.session.get(type(message), message_id))
            db.session.commit()
            while True:
                t = time.perf_counter()
                more = services.queue_batch(message_id)
                batch_times.append(time.perf_counter() - t)
                if not more:
                    break
            copies = db.session.scalar(
                select(func.count()).where(MailRecord.message_id == message_id)
            )
            assert copies == PEOPLE, copies
    print(f"{PEOPLE} recipients, {args.runs} runs (SQLite)")
    print(f"count (compose page's script)   {stats(count_times)}")
    print(f"message page with its preview   {stats(page_times)}")
    print(f"one batch of {services.BATCH} copies queued  {stats(batch_times)}")


if __name__ == "__main__":
    main()
