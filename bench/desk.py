"""How long the organisers' registration desk takes with 2,000 registrations, against
/healthz.

Builds a fresh event with 2,000 registrations (names in several scripts, every status) in
a temporary SQLite database, and in a throw-away schema of PostgreSQL too with
--postgres URL, signs in as an organiser, then times GET requests through the app
(Flask's test client: no network, the server's own work) and prints the median and 90th
percentile of each, and their ratio to /healthz. Target: the desk under 300 ms.

    .venv/bin/python bench/desk.py [--runs 20] [--warmup 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import Category, Dietary, Event, Registration, Status, UserRole

SLUG = "bench-desk"
REGISTRATIONS = 2000
PASSWORD = "bench password " + secrets.token_hex(8)
BUDGET_SECONDS = 60.0
GIVEN = [
    "José",
    "Ana",
    "Гульнара",
    "ნინო",
    "Émile",
    "Zoë",
    "Mohammed",
    "محمد",
    "Søren",
    "Łukasz",
    "Anna",
    "Jean-Pierre",
    "Αλέξανδρος",
    "Айгуль",
    "Nuno",
]
FAMILY = [
    "Núñez",
    "Ribeiro",
    "Абдыкадырова",
    "ბერიძე",
    "Durand",
    "Müller",
    "Al-Masri",
    "العلي",
    "Kierkegaard",
    "Wałęsa",
    "Smith",
    "Dupont",
    "Παπαδόπουλος",
    "Токтогулова",
]
COUNTRIES = ["BE", "FR", "GE", "KG", "MX", "JO", "PT", "PL", "GR", "DE", "UG", "AM"]


def build_event() -> None:
    """The event with its registrations, committed; and an organiser account."""
    rng = random.Random(2024)
    start = datetime(2030, 9, 16, 7, 0, tzinfo=UTC)
    event = Event(
        slug=SLUG,
        title="Bench Desk Conference",
        timezone="Europe/Brussels",
        starts_at=start,
        ends_at=start + timedelta(hours=9),
        capacity=1800,
        published=True,
    )
    db.session.add(event)
    statuses = [Status.CONFIRMED] * 14 + [Status.WAITLISTED, Status.PENDING, Status.CANCELLED]
    for n in range(REGISTRATIONS):
        status = rng.choice(statuses)
        db.session.add(
            Registration(
                event=event,
                given_name=rng.choice(GIVEN),
                family_name=f"{rng.choice(FAMILY)} {n}",
                email=f"person{n}@example.org",
                organisation=f"Ministère n° {n % 60}",
                job_title="Policy Officer",
                country=rng.choice(COUNTRIES),
                category=Category.SPEAKER if n % 40 == 0 else Category.PARTICIPANT,
                status=status,
                dietary=rng.choice(list(Dietary)),
                created_at=start - timedelta(days=60) + timedelta(minutes=n),
                checked_in_at=start if n % 3 == 0 and status == Status.CONFIRMED else None,
            )
        )
    create_user("bench@example.org", PASSWORD, UserRole.ADMIN)
    db.session.commit()


def login(client) -> None:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302, response.status_code


def measure(client, url: str, runs: int, warmup: int) -> tuple[list[float], int]:
    """Milliseconds per request (after the warm-up ones) and the body size."""
    size = 0
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    timings: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        if time.perf_counter() > deadline:
            break
    return timings, size


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]


def run(
    label: str, database_uri: str, args, engine_options: dict | None = None
) -> dict[str, float]:
    """Build the event in the given database, print the timings and return the medians
    (ms) by request name (bench/registration.py reports them too)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(16),
            # The bench signs in with a password alone (admins need a second factor
            # when production rules apply).
            "SECOND_FACTOR_REQUIRED": "none",
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
    login(client)
    desk = f"/manage/events/{SLUG}/registrations"
    cases = [
        ("GET /healthz", "/healthz"),
        ("desk, first page", desk),
        ("desk, page 20", f"{desk}?page=20"),
        ("desk, search 'jose'", f"{desk}?q=jose"),
        ("desk, search 'гульнара'", f"{desk}?q=%D0%B3%D1%83%D0%BB%D1%8C%D0%BD%D0%B0%D1%80%D0%B0"),
        (
            "desk, filters + sort by country",
            f"{desk}?status=confirmed&checked_in=no&sort=country&dir=desc",
        ),
        ("one registration", f"{desk}/1"),
        ("export CSV (all)", f"{desk}/export.csv"),
        ("export XLSX (all)", f"{desk}/export.xlsx"),
    ]
    print(
        f"\n{label}: {REGISTRATIONS} registrations (built in {built:.1f} s); "
        f"{args.runs} runs after {args.warmup} warm-ups"
    )
    print(f"{'request':34} {'median ms':>10} {'p90 ms':>8} {'x healthz':>10} {'KiB':>7}")
    baseline = None
    medians: dict[str, float] = {}
    for name, url in cases:
        timings, size = measure(client, url, args.runs, args.warmup)
        median = medians[name] = statistics.median(timings)
        baseline = baseline or median
        print(
            f"{name:34} {median:10.1f} {p90(timings):8.1f} {median / baseline:10.1f} "
            f"{size / 1024:7.1f}"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return medians


def main() -> None:
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
