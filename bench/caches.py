"""Whether each agenda cache still pays: a cold request (the agenda revision just moved)
against a warm one (nothing changed since), as the median of --runs each.

Loads the demo into a fresh SQLite database in a temporary instance folder and adds
--items more agenda items (an agenda of a busy event), then times:
  programme.pdf   cold: built by WeasyPrint     warm: read from the file cache
  feeds           cold: built from the agenda   warm: If-None-Match answered 304 unbuilt
  calendar        cold: agenda_ics() built      warm: agenda_ics() from the process cache

    .venv/bin/python bench/caches.py [--runs 5] [--items 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(function, runs: int, before=None) -> float:
    """The median of runs calls of function, in seconds; `before` runs untimed first."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="eventapp-bench-caches-"))
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import select

    from eventapp import create_app
    from eventapp.demo.loader import load_demo
    from eventapp.extensions import db
    from eventapp.feeds.calendar_cache import agenda_ics
    from eventapp.models import AgendaItem, Event, ItemKind
    from eventapp.models.revision import bump_agenda_revision
    from eventapp.web.public_url import DEVELOPMENT_BASE_URL

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite3'}",
            "PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL,
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(0)
        event = db.session.scalar(select(Event))
        for n in range(args.items):
            start = event.starts_at + timedelta(minutes=5 * n)
            db.session.add(
                AgendaItem(
                    event=event,
                    kind=ItemKind.TALK,
                    title=f"Session {n}",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=30),
                    description="A session. " * 20,
                )
            )
        db.session.commit()
        slug, event_id = event.slug, event.id

    def bump() -> None:
        with app.app_context():
            bump_agenda_revision(db.session.get(Event, event_id))
            db.session.commit()

    client = app.test_client()

    def get(path: str, etag: str | None = None) -> str:
        headers = {"If-None-Match": etag} if etag else {}
        response = client.get(path, headers=headers)
        assert response.status_code == (304 if etag else 200), (path, response.status_code)
        return response.headers["ETag"]

    rows = []
    for name, path in (
        ("programme.pdf", f"/events/{slug}/programme.pdf"),
        ("agenda.ics", f"/events/{slug}/agenda.ics"),
        ("schedule.xml", f"/events/{slug}/schedule.xml"),
        ("schedule.json", f"/events/{slug}/schedule.json"),
        ("agenda.json", f"/events/{slug}/agenda.json"),
    ):
        get(path)  # fonts, templates and the like loaded once, outside the timings
        cold = median_time(lambda path=path: get(path), args.runs, before=bump)
        if name == "programme.pdf":
            warm = median_time(lambda path=path: get(path), args.runs)
        else:
            etag = get(path)
            warm = median_time(lambda path=path, etag=etag: get(path, etag), args.runs)
        rows.append((name, cold, warm))

    with app.test_request_context():
        event = db.session.get(Event, event_id)
        agenda_ics(event)

        def calendar_cold() -> None:
            bump_agenda_revision(event)
            db.session.commit()

        cold = median_time(lambda: agenda_ics(event), args.runs, before=calendar_cold)
        warm = median_time(lambda: agenda_ics(event), args.runs)
        rows.append(("calendar attachment", cold, warm))

    print(f"{args.items + 12} agenda items, median of {args.runs} runs each")
    print(f"{'':22}{'cold ms':>10}{'warm ms':>10}{'cold/warm':>11}")
    for name, cold, warm in rows:
        print(f"{name:22}{cold * 1000:10.1f}{warm * 1000:10.1f}{cold / warm:10.1f}x")


if __name__ == "__main__":
    main()
