"""How long a check-in at the door takes: 200 badges scanned by 4 volunteers' phones at
once through gunicorn, against GET /healthz through the same server and clients.

Each run builds a fresh event in the database (its own SQLite file in a temporary folder
by default, or the database of --database-url, e.g. PostgreSQL; the bench's events and
account are deleted from it afterwards) with PEOPLE confirmed registrations for the QR
scans, as many again for the searches, and a check-in volunteer on the event's team, and
starts gunicorn on a free port of 127.0.0.1 (--workers, 2 as `make run`). CLIENTS clients
sign in as the volunteer, each with a session of its own, and each keeps one connection
(gunicorn's sync workers close it after every response, so every request pays for a
local TCP connect, the baseline's too). After a warm-up, in turn, each phase split across
the clients running at once:

- baseline: GET /healthz (one small query: the cheapest request the stack serves), as
  many as there are scans, before and after the scans;
- scan: POST /checkin/<slug>/scan of each badge's URL, as the door's camera reads it;
- search: the door's "search as you type": GET /checkin/<slug>/search?q= with 2, 3 and 4
  letters of the person's family name, then POST /scan of the one picked.

It prints the median, p90, p99 and max latency (ms), requests per second and the server's
CPU per request of each phase for every run, then the medians of the runs, and checks
that every person was checked in once. Target: the scan's p99 under 100 ms.

    .venv/bin/python bench/checkin.py [--people 200] [--clients 4] [--workers 2] [--runs 3]
        [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from registration import cpu_seconds, pct
from sqlalchemy import delete, func, select

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import (
    CheckInAction,
    CheckInRecord,
    Event,
    Registration,
    Status,
    User,
    UserRole,
)
from eventapp.testing import Session, gunicorn
from eventapp.web.public_url import DEVELOPMENT_BASE_URL

PEOPLE = 200
CLIENTS = 4
WARMUP = 5  # untimed scans (and searches, and /healthz) per client first
TIMEOUT = 30  # seconds for one request
PASSWORD = "bench password " + secrets.token_hex(8)
FAMILY = [
    "Núñez",
    "Ribeiro",
    "Абдыкадырова",
    "ბერიძე",
    "Durand",
    "Müller",
    "Al-Masri",
    "Kierkegaard",
    "Wałęsa",
    "Smith",
    "Dupont",
    "Παπαδόπουλος",
    "Токтогулова",
    "Okello",
]
GIVEN = ["José", "Ana", "Гульнара", "ნინო", "Émile", "Zoë", "Mohammed", "Søren", "Łukasz"]


# --- The data ---------------------------------------------------------------------------


@dataclass
class Prepared:
    slug: str
    event_id: int
    user_id: int
    email: str
    #: (check-in code, family name) of the people scanned, searched and warmed up with.
    scanned: list[tuple[str, str]]
    searched: list[tuple[str, str]]
    warmup: list[tuple[str, str]]


def app_for(database_url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secrets.token_hex(16),
            "PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL,
        }
    )


def prepare(app, people: int, clients: int) -> Prepared:
    """A fresh event with its confirmed registrations and a volunteer on its team."""
    tag = secrets.token_hex(4)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        db.create_all()  # once per database; a no-op afterwards
        event = Event(
            slug=f"bench-checkin-{tag}",
            title="Bench Check-in",
            published=True,
            timezone="Europe/Brussels",
            starts_at=start,
            ends_at=start + timedelta(hours=9),
            capacity=3 * people,
        )
        db.session.add(event)
        total = 2 * people + WARMUP * clients
        registrations = [
            Registration(
                event=event,
                given_name=GIVEN[n % len(GIVEN)],
                family_name=f"{FAMILY[n % len(FAMILY)]} {n}",
                email=f"p{n}-{tag}@example.org",
                organisation=f"Ministry {n % 40}",
                status=Status.CONFIRMED,
            )
            for n in range(total)
        ]
        db.session.add_all(registrations)
        user = create_user(f"door-{tag}@example.org", PASSWORD, UserRole.CHECKIN)
        event.managers.append(user)
        db.session.commit()
        people_of = [(r.checkin_code, r.family_name) for r in registrations]
        prepared = Prepared(
            event.slug,
            event.id,
            user.id,
            user.email,
            people_of[:people],
            people_of[people : 2 * people],
            people_of[2 * people :],
        )
        db.session.remove()
    return prepared


def check(app, prepared: Prepared) -> str:
    """Everyone scanned or searched is checked in once, by the volunteer."""
    with app.app_context():
        records = db.session.scalar(
            select(func.count())
            .select_from(CheckInRecord)
            .where(
                CheckInRecord.event_id == prepared.event_id,
                CheckInRecord.action == CheckInAction.CHECK_IN,
                CheckInRecord.user_id == prepared.user_id,
            )
        )
        present = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.event_id == prepared.event_id,
                Registration.checked_in_by_id == prepared.user_id,
            )
        )
        db.session.remove()
    expected = len(prepared.scanned) + len(prepared.searched) + len(prepared.warmup)
    assert records == present == expected, (records, present, expected)
    return f"{present} checked in once each"


def clean_up(app, prepared: Prepared) -> None:
    """The run's event (its registrations and records go with it) and account."""
    with app.app_context():
        db.session.execute(delete(CheckInRecord).where(CheckInRecord.event_id == prepared.event_id))
        db.session.execute(delete(Registration).where(Registration.event_id == prepared.event_id))
        event = db.session.get(Event, prepared.event_id)
        event.managers.clear()
        db.session.delete(event)
        db.session.execute(delete(User).where(User.id == prepared.user_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- The clients ------------------------------------------------------------------------


class Phone(Session):
    """A volunteer's phone: its own session cookie, CSRF token and connection."""

    def __init__(self, port: int, email: str):
        super().__init__(port, timeout=TIMEOUT)
        self.login(email, PASSWORD)
        self.conn = self.connect()

    def healthz(self) -> None:
        status, _ = self.call(self.conn, "GET", "/healthz")
        if status != 200:
            raise RuntimeError(f"/healthz {status}")

    def scan(self, slug: str, code: str, method: str = "qr") -> None:
        status, text = self.post_json(
            self.conn,
            f"/checkin/{slug}/scan",
            {"code": f"https://door.example.org/checkin/{slug}/c/{code}", "method": method},
        )
        if status != 200 or json.loads(text)["result"] != "checked_in":
            raise RuntimeError(f"scan {status} {text[:100]}")

    def search(self, slug: str, typed: str) -> None:
        status, text = self.call(self.conn, "GET", f"/checkin/{slug}/search?q={quote(typed)}")
        if status != 200 or "people" not in json.loads(text):
            raise RuntimeError(f"search {status} {text[:100]}")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Timings:
    #: Milliseconds per request, by kind ("scan", "search", "healthz").
    ms: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_ms: float = 0.0
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, ms: float) -> None:
        self.ms.setdefault(kind, []).append(ms)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.ms.values())


def timed(timings: Timings, lock: threading.Lock, kind: str, call: Callable[[], None]) -> None:
    started = time.perf_counter()
    try:
        call()
    except (OSError, http.client.HTTPException, RuntimeError, ValueError) as exc:
        with lock:
            timings.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        return
    with lock:
        timings.add(kind, (time.perf_counter() - started) * 1000)


def together(
    phones: list[Phone], work: Callable[[int, Phone], Iterator[tuple[str, Callable]]], master: int
) -> Timings:
    """Each phone runs its share of the work in a thread of its own, all starting at once;
    `work(n, phone)` yields (kind, call) pairs, each timed."""
    timings, lock = Timings(), threading.Lock()
    start = threading.Barrier(len(phones) + 1)

    def client(n: int, phone: Phone) -> None:
        start.wait()
        for kind, call in work(n, phone):
            timed(timings, lock, kind, call)

    threads = [threading.Thread(target=client, args=(n, phone)) for n, phone in enumerate(phones)]
    for thread in threads:
        thread.start()
    cpu = cpu_seconds(master)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    timings.seconds = time.perf_counter() - began
    timings.cpu_ms = (cpu_seconds(master) - cpu) * 1000 / max(1, timings.requests)
    return timings


# --- Runs -------------------------------------------------------------------------------


@dataclass
class Run:
    #: Phase name -> its timings.
    phases: dict[str, Timings]
    note: str


def one_run(database_url: str, instance: Path, args) -> Run:
    app = app_for(database_url)
    prepared = prepare(app, args.people, args.clients)
    slug = prepared.slug
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "bench-" + secrets.token_hex(16),
        "EVENTAPP_INSTANCE_PATH": str(instance),
        # 4 log-ins a run from one address, run after run.
        "FLASK_RATELIMIT_ENABLED": "false",
        "FLASK_MAIL_SERVER": "",
        "FLASK_MAIL_OUTBOX": "",
    }
    k = args.clients

    def share(people: list, n: int) -> list:
        return people[n::k]

    def warmup(n: int, phone: Phone):
        for code, family in share(prepared.warmup, n):
            yield "healthz", phone.healthz
            yield "search", lambda f=family: phone.search(slug, f[:3])
            yield "scan", lambda c=code: phone.scan(slug, c)

    def baseline(n: int, phone: Phone):
        for _ in share(prepared.scanned, n):
            yield "healthz", phone.healthz

    def scans(n: int, phone: Phone):
        for code, _family in share(prepared.scanned, n):
            yield "scan", lambda c=code: phone.scan(slug, c)

    def searches(n: int, phone: Phone):
        for code, family in share(prepared.searched, n):
            for letters in (2, 3, 4):
                yield "search", lambda q=family[:letters]: phone.search(slug, q)
            yield "scan", lambda c=code: phone.scan(slug, c, "search")

    try:
        with gunicorn(env, workers=args.workers) as server:
            # Each worker loads the printing fonts in the background for about a second
            # after it starts (gunicorn.conf.py): not part of a check-in.
            time.sleep(2)
            phones = [Phone(server.port, prepared.email) for _ in range(k)]
            try:
                together(phones, warmup, server.pid)
                before = together(phones, baseline, server.pid)
                scanned = together(phones, scans, server.pid)
                after = together(phones, baseline, server.pid)
                searched = together(phones, searches, server.pid)
            finally:
                for phone in phones:
                    phone.close()
        if server.output.strip():
            print(server.output[-2000:])
        healthz = Timings(
            ms={"healthz": before.ms.get("healthz", []) + after.ms.get("healthz", [])},
            seconds=before.seconds + after.seconds,
            cpu_ms=(before.cpu_ms + after.cpu_ms) / 2,
            errors=before.errors + after.errors,
        )
        note = check(app, prepared)
    finally:
        clean_up(app, prepared)
    return Run({"healthz": healthz, "scan": scanned, "search": searched}, note)


#: The rows printed: (label, phase, kind of request).
ROWS = [
    ("GET /healthz (baseline)", "healthz", "healthz"),
    ("POST scan (QR)", "scan", "scan"),
    ("GET search (typing)", "search", "search"),
    ("POST scan (after search)", "search", "scan"),
]


def figures(run: Run) -> dict[str, dict[str, float]]:
    """Per row: median, p90, p99, max (ms), the phase's requests per second, CPU ms."""
    out = {}
    for label, phase, kind in ROWS:
        timings = run.phases[phase]
        ms = timings.ms.get(kind, [])
        out[label] = {
            "median": pct(ms, 50),
            "p90": pct(ms, 90),
            "p99": pct(ms, 99),
            "max": max(ms, default=float("nan")),
            "per s": timings.requests / timings.seconds if timings.seconds else 0,
            "cpu": timings.cpu_ms,
            "n": len(ms),
        }
    return out


COLUMNS = ("median", "p90", "p99", "max", "per s", "cpu")


def table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(title)
    print(
        f"  {'request':26} {'median ms':>9} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'req/s':>7} {'CPU ms':>7} {'n':>5}"
    )
    for label, f in rows.items():
        print(
            f"  {label:26} {f['median']:9.1f} {f['p90']:8.1f} {f['p99']:8.1f} "
            f"{f['max']:8.1f} {f['per s']:7.0f} {f['cpu']:7.1f} {f['n']:5.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people",
        type=int,
        default=PEOPLE,
        help=f"badges scanned per run ({PEOPLE}; as many searched)",
    )
    parser.add_argument(
        "--clients", type=int, default=CLIENTS, help=f"concurrent phones ({CLIENTS})"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--runs", type=int, default=3, help="runs (3)")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="instead of a temporary SQLite file, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg "
        "(its tables are created if missing)",
    )
    args = parser.parse_args()
    args.people = max(args.clients, min(args.people, 10_000))
    args.clients = max(1, min(args.clients, 64))
    args.runs = max(1, min(args.runs, 20))

    with tempfile.TemporaryDirectory(prefix="eventapp-bench-") as tmp:
        folder = Path(tmp)
        # Secret key, uploads and outbox of the in-process app stay out of the checkout.
        os.environ["EVENTAPP_INSTANCE_PATH"] = str(folder)
        database_url = args.database_url or f"sqlite:///{folder / 'checkin.sqlite3'}"
        label = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        print(
            f"{label}: {args.people} badges scanned and {args.people} people searched "
            f"(2, 3, 4 letters) then picked per run, by {args.clients} clients at once; "
            f"gunicorn --workers {args.workers}; load average before: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        runs = []
        for n in range(args.runs):
            run = one_run(database_url, folder, args)
            runs.append(figures(run))
            errors = [e for t in run.phases.values() for e in t.errors]
            table(
                f"\nrun {n + 1}: {run.note}"
                + (f"; {len(errors)} errors ({errors[0]})" if errors else ""),
                runs[-1],
            )
        medians = {
            label: {c: statistics.median(r[label][c] for r in runs) for c in (*COLUMNS, "n")}
            for label, _, _ in ROWS
        }
        table(f"\nmedian of {args.runs} runs", medians)
        print(
            "  req/s: all requests of the phase per second; CPU ms: gunicorn's CPU time per "
            "request of the phase (the last two rows are one phase)"
        )
        scan, base = medians["POST scan (QR)"], medians["GET /healthz (baseline)"]
        print(
            f"\n{label}: scan p99 {scan['p99']:.1f} ms "
            f"[{'ok' if scan['p99'] < 100 else 'MISSED'}: < 100], median "
            f"{scan['median']:.1f} ms, {scan['per s']:.0f} check-ins/s; "
            f"= {scan['p99'] / base['p99']:.1f} x the p99 of /healthz ({base['p99']:.1f} ms), "
            f"{scan['median'] / base['median']:.1f} x its median; "
            f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    main()
