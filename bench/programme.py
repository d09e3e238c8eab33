"""How fast the demo's programme booklet renders, against a minimal WeasyPrint document.

Loads the demo into a fresh SQLite database in a temporary instance folder, then in one
process: the first render (fonts loaded, stylesheets parsed), the median of --runs more
renders (A5 and A4), the same for a minimal one-page document through the same renderer
(our fonts and fetcher: the fixed cost of any PDF), and the public link, uncached (first
request after a change) and cached. Target: the demo programme under 2 s.

    .venv/bin/python bench/programme.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(function, runs: int) -> tuple[float, object]:
    """The median of runs calls, in seconds, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="eventapp-bench-programme-"))
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(instance)
    from pypdf import PdfReader
    from sqlalchemy import select

    from eventapp import create_app
    from eventapp.demo.loader import load_demo
    from eventapp.extensions import db
    from eventapp.models import AgendaItem, Event
    from eventapp.printing import programme, render
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
        db.session.commit()
        event = db.session.scalar(select(Event))

        start = time.perf_counter()
        pdf = programme.render_programme(event)
        first = time.perf_counter() - start
        a5, pdf = timed(lambda: programme.render_programme(event, size="A5"), args.runs)
        a4, _ = timed(lambda: programme.render_programme(event, size="A4"), args.runs)
        minimal, _ = timed(
            lambda: render.render_pdf(
                "<!doctype html><html lang=en><title>x</title><p>Programme</p>"
            ),
            args.runs,
        )

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    client = app.test_client()
    url = f"/events/{event.slug}/programme.pdf"

    def changed_then_get():
        with app.app_context():
            item = db.session.scalar(select(AgendaItem).where(AgendaItem.title.like("Lunch%")))
            item.title = "Lunch" if item.title != "Lunch" else "Lunch break"
            db.session.commit()
        return client.get(url)

    uncached, response = timed(changed_then_get, max(3, args.runs // 2))
    assert response.status_code == 200
    cached, response = timed(lambda: client.get(url), args.runs * 3)
    assert response.status_code == 200

    print(
        f"demo programme, A5 ({pages} pages, {len(pdf) / 1024:.0f} KiB): "
        f"median {a5:.2f} s over {args.runs} runs (target < 2 s); first render in the "
        f"process {first:.2f} s (loads the fonts)"
    )
    print(f"demo programme, A4: median {a4:.2f} s")
    print(
        f"baseline, a minimal one-page document through the same renderer: "
        f"{minimal * 1000:.0f} ms; the A5 programme costs {a5 / minimal:.1f} x that"
    )
    print(
        f"public link: {uncached:.2f} s after an agenda change (rebuilt), "
        f"{cached * 1000:.1f} ms from the cache"
    )


if __name__ == "__main__":
    main()
