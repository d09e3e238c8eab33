"""A large badge run as a job, started from the organisers' page while the door scans.

Each run builds a fresh event (its own SQLite database in a temporary folder) with BADGES
confirmed registrations, an organiser and a check-in volunteer, and starts what `make run`
starts: gunicorn (--workers 2) and the task queue's worker with process workers
(`flask --app eventapp worker -k process -w 2`, at its lower CPU priority). Then:

- the organiser's POST of the badges page (all confirmed, four A6 badges a sheet) is
  timed: it answers with the job's page (a redirect), not the PDF;
- status.json is polled every 0.25 s, as the job's page does, until the job is done: the
  time from the POST to then is "PDF ready"; the PDF is downloaded and its pages counted;
- meanwhile bench/checkin.py's four phones scan badges at the door (POST /checkin/<slug>/
  scan), each every --scan-every seconds (0 = back to back), timed;
- the bare renders, each in a child process of the same run, after the job (not beside
  it), at the workers' CPU priority: our badges of the same people laid out by WeasyPrint
  as one document in one process (no chunks, no workers, no job: "1 doc"), and
  bench/badges.py's bare WeasyPrint baseline of minimal badges of the same people
  ("minimal": one document, our font files, inline-SVG QR codes, no app code).

It prints each run's figures, then the medians of the runs. Targets: the page answers in
under 1 s; the PDF is ready in under 0.5 x the bare render ("1 doc"); the scan's p99
under 100 ms. CPU seconds are printed beside the times: on a machine shared with other
work, the times say as much about that work as about ours.

    .venv/bin/python bench/jobs.py [--badges 5000] [--runs 3] [--scan-every 0.25]
                                   [--job-workers 2] [--no-bare] [--no-minimal]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from pypdf import PdfReader
from registration import cpu_seconds, pct
from sqlalchemy import select

from eventapp import create_app
from eventapp.auth.services import create_user
from eventapp.extensions import db
from eventapp.models import Event, Registration, Status, UserRole
from eventapp.testing import Session, gunicorn, worker
from eventapp.web.public_url import DEVELOPMENT_BASE_URL

ROOT = Path(__file__).resolve().parent.parent
BADGES = 5000
PHONES = 4
PASSWORD = "bench password " + secrets.token_hex(8)
FAMILY = ["Núñez", "Абдыкадырова", "ბერიძე", "Durand", "Al-Masri", "Wałęsa", "Παπαδόπουλος"]
GIVEN = ["José", "Гульнара", "ნინო", "Émile", "Zoë", "Mohammed", "Łukasz", "Aïcha"]


def app_for(instance: Path, database_url: str):
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(instance)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secrets.token_hex(16),
            "PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL,
        }
    )


def prepare(app, badges: int) -> dict:
    """A fresh event with its confirmed registrations, an organiser and a volunteer."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        db.create_all()
        event = Event(
            slug="bench-jobs",
            title="Bench Jobs",
            published=True,
            timezone="Europe/Brussels",
            starts_at=start,
            ends_at=start + timedelta(hours=9),
            capacity=badges,
        )
        db.session.add(event)
        db.session.add_all(
            Registration(
                event=event,
                given_name=GIVEN[n % len(GIVEN)],
                family_name=f"{FAMILY[n % len(FAMILY)]} {n}",
                email=f"p{n}@example.org",
                organisation=f"Ministry of Foreign Affairs {n % 40}",
                country=["BE", "GE", "KG", "CV", "MX", "UG"][n % 6],
                status=Status.CONFIRMED,
            )
            for n in range(badges)
        )
        organiser = create_user("organiser@example.org", PASSWORD, UserRole.ORGANISER)
        door = create_user("door@example.org", PASSWORD, UserRole.CHECKIN)
        event.managers.extend([organiser, door])
        db.session.commit()
        codes = list(
            db.session.scalars(select(Registration.checkin_code).order_by(Registration.id))
        )
        # The people as bench/badges.py's bare WeasyPrint baseline reads them.
        from eventapp.printing.badges import checkin_url

        people = [
            {"name": r.full_name, "org": r.organisation, "url": checkin_url(r)}
            for r in event.registrations
        ]
        (Path(app.instance_path) / "people.json").write_text(json.dumps(people))
        db.session.remove()
        db.engine.dispose()
    return {"slug": "bench-jobs", "codes": codes}


def child_bare(instance: str, database_url: str, slug: str) -> None:
    """Our badges of the run, all in one WeasyPrint document in this one process."""
    from eventapp.printing import badges, render

    # At the workers' priority (the worker command's --nice): other work on the machine
    # then weighs on the bare render as on the job.
    os.nice(10)
    app = app_for(Path(instance), database_url)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        registrations = badges.select_registrations(event)
        settings = badges.badge_settings(event)
        layout = badges.LAYOUTS["a6-sheet"]
        render.warm_up([badges.BADGE_CSS, layout.stylesheet])  # fonts: not the layout's cost
        start, cpu = time.perf_counter(), time.process_time()
        html = badges.badge_html(event, registrations, layout, settings)
        pdf = render.render_pdf(html, stylesheets=[badges.BADGE_CSS, layout.stylesheet])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print("RESULT " + json.dumps({"seconds": seconds, "cpu": cpu, "bytes": len(pdf)}))


def child_baseline(instance: str, count: str) -> None:
    """bench/badges.py's bare WeasyPrint baseline: minimal badges of the same people in one
    document, our font files, inline-SVG QR codes, no app code."""
    os.nice(10)  # as child_bare
    import badges as badges_bench

    cpu = time.process_time()
    result = badges_bench.child_baseline(instance, int(count))
    result["cpu"] = time.process_time() - cpu
    print("RESULT " + json.dumps(result))


def bare_render(instance: Path, database_url: str, slug: str) -> dict:
    return _child("--child-bare", str(instance), database_url, slug)


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=3600,
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[7:])


class Door:
    """Four phones scanning badges until told to stop; each scan timed."""

    def __init__(self, port: int, slug: str, codes: list[str], every: float):
        self.slug, self.codes, self.every = slug, codes, every
        self.phones = []
        for _ in range(PHONES):
            phone = Session(port)
            phone.login("door@example.org", PASSWORD)
            self.phones.append(phone)
        self.ms: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.scan, args=(n, phone), daemon=True)
            for n, phone in enumerate(self.phones)
        ]

    def scan(self, n: int, phone: Session) -> None:
        conn = phone.connect()
        mine = self.codes[n::PHONES]
        i = 0
        # Round and round: a badge scanned again is "already checked in", as fast a path.
        while not self.stop.is_set():
            url = f"https://door.example.org/checkin/{self.slug}/c/{mine[i % len(mine)]}"
            started = time.perf_counter()
            try:
                status, text = phone.post_json(
                    conn, f"/checkin/{self.slug}/scan", {"code": url, "method": "qr"}
                )
                ok = status == 200 and json.loads(text)["result"] in ("checked_in", "already")
            except Exception as exc:  # noqa: BLE001 (counted and shown, the run goes on)
                ok, text = False, repr(exc)
                conn.close()
                conn = phone.connect()
            ms = (time.perf_counter() - started) * 1000
            with self.lock:
                (self.ms.append(ms) if ok else self.errors.append(text[:100]))
            i += 1
            if self.every:
                self.stop.wait(self.every)
        conn.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def one_run(args, folder: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
    database_url = f"sqlite:///{instance / 'jobs.sqlite3'}"
    app = app_for(instance, database_url)
    prepared = prepare(app, args.badges)
    slug = prepared["slug"]
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "bench-" + secrets.token_hex(16),
        "EVENTAPP_INSTANCE_PATH": str(instance),
        "FLASK_RATELIMIT_ENABLED": "false",
        "FLASK_MAIL_SERVER": "",
        "FLASK_JOB_WORKERS": str(args.job_workers),
    }
    figures: dict = {}
    with (
        gunicorn(env, workers=2) as server,
        worker(
            {**env, "FLASK_PUBLIC_BASE_URL": server.url}, workers=args.job_workers, kind="process"
        ) as consumer,
    ):
        time.sleep(3)  # the web workers warm their fonts up (gunicorn.conf.py), as in use
        organiser = Session(server.port, timeout=60)
        organiser.login("organiser@example.org", PASSWORD, landing=f"/manage/events/{slug}/badges")
        conn = organiser.connect()
        # The phones scan the second half of the people, whose badges are in the run too.
        with Door(
            server.port, slug, prepared["codes"][args.badges // 2 :], args.scan_every
        ) as door:
            time.sleep(1)
            cpu = cpu_seconds(consumer.pid)
            started = time.perf_counter()
            status, _ = organiser.call(
                conn,
                "POST",
                f"/manage/events/{slug}/badges/print",
                urlencode(
                    {
                        "csrf_token": organiser.token,
                        "layout": "a6-sheet",
                        "which": "all",
                        "category": "",
                        "sort": "family_name",
                    }
                ),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            figures["answer_s"] = time.perf_counter() - started
            if status != 302:
                raise RuntimeError(f"the print POST answered {status}, not the job's page")
            conn.close()
            conn = organiser.connect()
            job_path = _job_path(organiser, slug)
            while True:
                status, text = organiser.call(conn, "GET", job_path + "/status.json")
                state = json.loads(text)
                if state["finished"]:
                    break
                time.sleep(0.25)  # as often as the page's script polls (1 s) and finer
            figures["ready_s"] = time.perf_counter() - started
            figures["job_cpu"] = cpu_seconds(consumer.pid) - cpu
        if state["status"] != "done":
            raise RuntimeError(f"the job ended {state}")
        conn.request("GET", job_path + "/result", headers=_cookie(organiser))
        response = conn.getresponse()
        pdf = response.read()
        conn.close()
        figures["pdf_mb"] = len(pdf) / 1e6
        figures["scan_p50"] = pct(door.ms, 50)
        figures["scan_p99"] = pct(door.ms, 99)
        figures["scans"] = len(door.ms)
        figures["scan_errors"] = len(door.errors)
    if server.output.strip():
        print(server.output[-1500:])
    figures["pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    if args.bare:
        bare = bare_render(instance, database_url, slug)
        figures["bare_s"], figures["bare_cpu"] = bare["seconds"], bare["cpu"]
        figures["ratio"] = figures["ready_s"] / figures["bare_s"]
    if args.bare and args.minimal:
        minimal = _child("--child-baseline", str(instance), str(args.badges))
        figures["minimal_s"], figures["minimal_cpu"] = minimal["seconds"], minimal["cpu"]
        figures["minimal_ratio"] = figures["ready_s"] / figures["minimal_s"]
    if args.bare:
        # On a machine doing nothing else, the job's parts share the workers evenly: its
        # time is about its CPU over the workers, whatever else ran here meanwhile.
        figures["cpu_ratio"] = figures["job_cpu"] / args.job_workers / figures["bare_cpu"]
    return figures


def _cookie(session: Session) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}


def _job_path(organiser: Session, slug: str) -> str:
    """The newest job's page of the event (the redirect's target)."""
    conn = organiser.connect()
    try:
        status, html = organiser.call(conn, "GET", f"/manage/events/{slug}/jobs")
    finally:
        conn.close()
    marker = f'href="/manage/events/{slug}/jobs/'
    start = html.index(marker) + len('href="')
    return html[start : html.index('"', start)]


ROWS = [
    ("answer_s", "page answers (s)"),
    ("ready_s", "PDF ready (s)"),
    ("bare_s", "our badges, 1 doc (s)"),
    ("ratio", "ready / 1 doc"),
    ("job_cpu", "job CPU (s, workers)"),
    ("bare_cpu", "bare CPU (s)"),
    ("cpu_ratio", "job CPU / workers / bare"),
    ("minimal_s", "minimal bare (s)"),
    ("minimal_ratio", "ready / minimal"),
    ("minimal_cpu", "minimal CPU (s)"),
    ("scan_p50", "scan p50 (ms)"),
    ("scan_p99", "scan p99 (ms)"),
    ("scans", "scans during the job"),
    ("scan_errors", "scan errors"),
    ("pages", "PDF pages"),
    ("pdf_mb", "PDF MB"),
]


def show(title: str, figures: dict) -> None:
    print(title)
    for key, label in ROWS:
        if key in figures:
            print(f"  {label:24} {figures[key]:10.3f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-bare":
        child_bare(*sys.argv[2:5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-baseline":
        child_baseline(*sys.argv[2:4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=BADGES, help=f"badges a run ({BADGES})")
    parser.add_argument("--runs", type=int, default=3, help="runs (3)")
    parser.add_argument(
        "--scan-every",
        type=float,
        default=0.25,
        help="seconds between one phone's scans (0.25; 0: back to back)",
    )
    parser.add_argument("--job-workers", type=int, default=2, help="process workers (2)")
    parser.add_argument("--no-bare", dest="bare", action="store_false", help="skip the bare render")
    parser.add_argument(
        "--no-minimal",
        dest="minimal",
        action="store_false",
        help="skip the minimal baseline (bench/badges.py's, about 3 times the bare render)",
    )
    args = parser.parse_args()
    args.badges = max(100, min(args.badges, 20_000))
    print(
        f"{args.badges} badges (four A6 a sheet) as a job through gunicorn --workers 2 and "
        f"worker -k process -w {args.job_workers}; {PHONES} phones scanning, each every "
        f"{args.scan_every:g} s; load average before: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="eventapp-bench-jobs-") as tmp:
        for n in range(args.runs):
            runs.append(one_run(args, Path(tmp)))
            show(f"\nrun {n + 1}", runs[-1])
    medians = {key: statistics.median(r[key] for r in runs) for key, _ in ROWS if key in runs[0]}
    show(f"\nmedian of {args.runs} runs", medians)
    verdict = [
        f"page {medians['answer_s']:.2f} s [{'ok' if medians['answer_s'] < 1 else 'MISSED'}: < 1]",
        f"scan p99 {medians['scan_p99']:.1f} ms "
        f"[{'ok' if medians['scan_p99'] < 100 else 'MISSED'}: < 100]",
    ]
    if "ratio" in medians:
        verdict.append(
            f"ready {medians['ready_s']:.1f} s = {medians['ratio']:.2f} x the bare render "
            f"({medians['bare_s']:.1f} s) [{'ok' if medians['ratio'] < 0.5 else 'MISSED'}: < 0.5]"
        )
    if "minimal_ratio" in medians:
        verdict.append(
            f"{medians['minimal_ratio']:.2f} x bench/badges.py's minimal bare WeasyPrint "
            f"badges ({medians['minimal_s']:.1f} s)"
        )
    print("\n" + "; ".join(verdict))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
