"""How long the agenda page and its feeds take on a large event, against /healthz.

Builds a fresh event (200 items over 3 days in 4 rooms, 300 speakers) in a temporary
SQLite database, and in a throw-away schema of PostgreSQL too with --postgres URL, then
times GET requests through the app (Flask's test client: no network, the server's own work)
and prints the median and 90th percentile of each, and their ratio to /healthz.

    .venv/bin/python bench/agenda.py [--runs 20] [--warmup 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, ItemKind, Person, RoleKind, Room

SLUG = "bench-conference"
ITEMS, DAYS, ROOMS, SPEAKERS = 200, 3, 4, 300
#: Stops a URL early if its runs take longer than this in all (a slow database, say).
BUDGET_SECONDS = 60.0
KINDS = [ItemKind.TALK, ItemKind.TALK, ItemKind.PANEL, ItemKind.KEYNOTE, ItemKind.TALK]


def build_event() -> None:
    """The big event, committed: items spread over days and rooms, people over items."""
    first_day = datetime(2030, 9, 16, 7, 0, tzinfo=UTC)  # 09:00 in Brussels
    event = Event(
        slug=SLUG,
        title="Bench Conference",
        timezone="Europe/Brussels",
        starts_at=first_day,
        ends_at=first_day + timedelta(days=DAYS - 1, hours=10),
        venue_name="Congress Centre",
        venue_address="1 Main Street, Brussels",
        capacity=2000,
        published=True,
    )
    rooms = [Room(event=event, name=f"Room {n + 1}", position=n) for n in range(ROOMS)]
    people = [
        Person(
            event=event,
            given_name=f"Speaker{n}",
            family_name=f"Family {n}",
            organisation=f"Organisation {n % 40}",
            country="BE",
            position="Researcher",
            bio="A short bio with **Markdown**.",
        )
        for n in range(SPEAKERS)
    ]
    per_day = -(-ITEMS // DAYS)
    next_person = 0
    for n in range(ITEMS):
        day, slot = divmod(n, per_day)
        starts = first_day + timedelta(days=day, minutes=30 * (slot // ROOMS))
        kind = KINDS[n % len(KINDS)]
        item = AgendaItem(
            event=event,
            kind=kind,
            title=f"Session {n}: on migration & data",
            description="An item description of a few words.\n\nAnd more.",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=25),
            room=rooms[slot % ROOMS],
            position=slot % ROOMS,
        )
        roles = (
            [RoleKind.MODERATOR] + [RoleKind.PANELLIST] * 3
            if kind == ItemKind.PANEL
            else [RoleKind.SPEAKER] * (1 + n % 2)
        )
        for position, role in enumerate(roles):
            item.roles.append(
                AgendaRole(person=people[next_person % SPEAKERS], role=role, position=position)
            )
            next_person += 1
        db.session.add(item)
    db.session.add(event)
    db.session.commit()


def measure(
    client, url: str, runs: int, warmup: int, headers: dict | None = None, expect: int = 200
) -> tuple[list[float], int]:
    """Milliseconds per request (after the warm-up ones) and the body size."""
    size = 0
    for _ in range(warmup):
        response = client.get(url, headers=headers)
        assert response.status_code == expect, (url, response.status_code)
        size = len(response.data)
    timings: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (url, response.status_code)
        if time.perf_counter() > deadline:
            break
    return timings, size


def p90(values: list[float]) -> float:
    """The 90th percentile."""
    return statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]


def run(label: str, database_uri: str, args, engine_options: dict | None = None) -> None:
    """Build the event in the given database and print the timings."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **(engine_options or {})},
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build_event()
        built = time.perf_counter() - started
    client = app.test_client()
    etag = client.get(f"/events/{SLUG}/schedule.xml").headers["ETag"]
    cases = [
        ("GET /healthz", "/healthz", None, 200),
        ("GET /events/<slug>/agenda", f"/events/{SLUG}/agenda", None, 200),
        ("GET /events/<slug>/schedule.xml", f"/events/{SLUG}/schedule.xml", None, 200),
        (
            "  same, If-None-Match (304)",
            f"/events/{SLUG}/schedule.xml",
            {"If-None-Match": etag},
            304,
        ),
        ("GET /events/<slug>/agenda.ics", f"/events/{SLUG}/agenda.ics", None, 200),
        ("GET /events/<slug>/schedule.json", f"/events/{SLUG}/schedule.json", None, 200),
        ("GET /events/<slug>/agenda.json", f"/events/{SLUG}/agenda.json", None, 200),
    ]
    print(
        f"\n{label}: {ITEMS} items, {DAYS} days, {ROOMS} rooms, {SPEAKERS} speakers "
        f"(built in {built:.1f} s); {args.runs} runs after {args.warmup} warm-ups"
    )
    print(f"{'request':34} {'median ms':>10} {'p90 ms':>8} {'x healthz':>10} {'KiB':>7}")
    baseline = None
    for name, url, headers, expect in cases:
        timings, size = measure(client, url, args.runs, args.warmup, headers, expect)
        median = statistics.median(timings)
        baseline = baseline or median
        print(
            f"{name:34} {median:10.1f} {p90(timings):8.1f} {median / baseline:10.1f} "
            f"{size / 1024:7.1f}"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    """Parse the arguments and run on SQLite, then on PostgreSQL if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per URL (20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also on PostgreSQL, in a temporary schema dropped afterwards, "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    args.runs = max(2, min(args.runs, 500))
    args.warmup = max(0, min(args.warmup, 50))

    with tempfile.TemporaryDirectory(prefix="eventapp-bench-") as tmp:
        # Secret key, uploads and the database stay out of the checkout.
        os.environ["EVENTAPP_INSTANCE_PATH"] = tmp
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args)
        if args.postgres:
            schema = f"bench_{secrets.token_hex(4)}"
            admin = create_engine(args.postgres)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                run(
                    f"PostgreSQL (schema {schema})",
                    args.postgres,
                    args,
                    {"connect_args": {"options": f"-csearch_path={schema}"}},
                )
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
