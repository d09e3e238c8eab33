"""How fast badges print, how much memory it takes and how big the PDF is, against a bare
WeasyPrint baseline.

Loads the demo (107 registrations) into a fresh SQLite database and prints 10, 100 and 1,000
badges per layout (the registrations repeated to reach the count), each run in a child
process of its own. Peak memory is that of the whole process tree (the child, the fork
server and the worker processes), sampled every 20 ms: "peak MB" sums the processes'
proportional set sizes (PSS: pages shared after a fork counted once), "RSS MB" their
resident sizes (shared pages counted in every process, an upper bound).
In the same run, the baseline: one bare WeasyPrint document of minimal badges in one
process, same fonts, inline-SVG QR codes, no app code; and, for the size target, each
layout's 1,000 badges rendered as one single WeasyPrint document by our own templates
("KB/1doc": our PDF's size over that one's). Then a one-badge reprint through the running
web app (gunicorn on 127.0.0.1, the organiser page's POST), and the demo programme.
Medians of --runs runs, taken in rounds (the baseline, then each layout) so that a time
ratio compares runs made under the same load; the load average is printed before and
after, since other work on the machine skews every figure.

    .venv/bin/python bench/badges.py [--runs 3] [--counts 10,100,1000] [--reprints 15]
                                     [--no-onedoc]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LAYOUTS = ("a6-sheet", "a6-folded", "single")


# --- children: one measurement each --------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """pid and every process below it (the fork server's workers included)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:  # a process may end while we look
            for task in Path(f"/proc/{current}/task").glob("*/children"):
                todo.extend(int(child) for child in task.read_text().split())
        except OSError:
            pass
    return out


def _tree_memory_mb() -> tuple[float, float]:
    """(PSS, RSS) of this process and its descendants, summed, in MB."""
    pss = rss = 0
    for pid in _descendants(os.getpid()):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:  # ended meanwhile
            pass
    return pss / 1024, rss / 1024


class TreeMemory:
    """Samples the process tree's memory in a thread; peak_pss / peak_rss in MB."""

    def __init__(self, interval: float = 0.02):
        self.interval, self.peak_pss, self.peak_rss = interval, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            pss, rss = _tree_memory_mb()
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def child_onedoc(instance: str, layout: str, count: int) -> dict:
    """Our badges, all in one WeasyPrint document: no chunks, no workers, no merge."""
    from sqlalchemy import select

    from eventapp.extensions import db
    from eventapp.models import Event
    from eventapp.printing import badges, render

    app = child_app(instance)
    with app.app_context():
        event = db.session.scalar(select(Event))
        registrations = badges.select_registrations(event)
        registrations = (registrations * (count // len(registrations) + 1))[:count]
        settings = badges.badge_settings(event)
        start = time.perf_counter()
        chosen = badges.LAYOUTS[layout]
        drawn = chosen.face or chosen  # the folded badge's face, drawn twice per sheet
        html = badges.badge_html(event, registrations, drawn, settings)
        pdf = render.render_pdf(html, stylesheets=[badges.BADGE_CSS, drawn.stylesheet])
        if chosen.face:
            pdf = badges.impose(chosen, pdf, settings["language"])
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": len(pdf)}


def child_app(instance: str):
    os.environ["EVENTAPP_INSTANCE_PATH"] = instance
    from eventapp import create_app
    from eventapp.web.public_url import DEVELOPMENT_BASE_URL

    return create_app({"PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL})


def child_badges(instance: str, layout: str, count: int, workers: int | None) -> dict:
    from sqlalchemy import select

    from eventapp.extensions import db
    from eventapp.models import Event
    from eventapp.printing import badges

    app = child_app(instance)
    with app.app_context():
        event = db.session.scalar(select(Event))
        registrations = badges.select_registrations(event)
        registrations = (registrations * (count // len(registrations) + 1))[:count]
        start = time.perf_counter()
        pdf = badges.render_badges(event, registrations, layout, workers=workers)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": len(pdf)}


def child_programme(instance: str) -> dict:
    from sqlalchemy import select

    from eventapp.extensions import db
    from eventapp.models import Event
    from eventapp.printing import programme

    app = child_app(instance)
    render = next(
        (
            getattr(programme, name)
            for name in ("render_programme", "programme_pdf", "render_pdf", "render")
            if callable(getattr(programme, name, None))
        ),
        None,
    )
    if render is None:
        return {"skipped": "no render function found in eventapp.printing.programme"}
    with app.app_context(), app.test_request_context():
        event = db.session.scalar(select(Event))
        times = []
        for _ in range(2):  # a fresh process (fonts loaded, stylesheets parsed), then warm
            start = time.perf_counter()
            pdf = render(event)
            times.append(time.perf_counter() - start)
    return {"first": times[0], "seconds": times[1], "bytes": len(pdf)}


BASELINE_CSS = """
@font-face { font-family: "Noto Sans"; src: url(%(fonts)s/NotoSans-Regular.ttf); }
@font-face { font-family: "Noto Sans"; font-weight: 700; src: url(%(fonts)s/NotoSans-Bold.ttf); }
%(scripts)s
@page { size: 90mm 120mm; margin: 0 }
html { font-family: %(stack)s }
.b { width: 90mm; height: 120mm; position: relative; page-break-after: always }
.n { position: absolute; top: 30mm; left: 5mm; right: 5mm; text-align: center;
     font-size: 28pt; font-weight: 700 }
.o { position: absolute; bottom: 20mm; left: 5mm; width: 50mm; font-size: 9pt }
.q { position: absolute; bottom: 18mm; right: 5mm; width: 27mm; height: 27mm }
.c { position: absolute; bottom: 0; left: 0; right: 0; height: 11mm; background: #0072B2;
     color: #fff; text-align: center; font-weight: 700 }
"""


def child_baseline(instance: str, count: int) -> dict:
    """Bare WeasyPrint: one document, minimal badges, our font files, inline-SVG QR."""
    os.environ["EVENTAPP_INSTANCE_PATH"] = instance
    people = json.loads((Path(instance) / "people.json").read_text())
    people = (people * (count // len(people) + 1))[:count]
    start = time.perf_counter()
    pdf = render_baseline(people)
    return {"seconds": time.perf_counter() - start, "bytes": len(pdf)}


def render_baseline(people: list[dict]) -> bytes:
    """The baseline's PDF: the people's minimal badges in one WeasyPrint document."""
    import html

    import segno
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = (ROOT / "static" / "fonts").as_uri()
    families = ("Georgian", "Armenian", "Arabic", "Hebrew", "Thai", "Devanagari")
    scripts = "\n".join(
        f'@font-face {{ font-family: "Noto Sans {f}"; font-weight: {w}; '
        f"src: url({fonts}/NotoSans{f}-{s}.ttf); }}"
        for f in families
        for w, s in ((400, "Regular"), (700, "Bold"))
    )
    stack = ", ".join(['"Noto Sans"'] + [f'"Noto Sans {f}"' for f in families])
    config = FontConfiguration()
    css = CSS(
        string=BASELINE_CSS % {"fonts": fonts, "scripts": scripts, "stack": stack},
        font_config=config,
    )
    body = "".join(
        f'<div class="b"><p class="n">{html.escape(p["name"])}</p>'
        f'<p class="o">{html.escape(p["org"])}</p>'
        f'<div class="q">{segno.make(p["url"], error="m").svg_inline(scale=1)}</div>'
        f'<p class="c">PARTICIPANT</p></div>'
        for p in people
    )
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf(
        stylesheets=[css], font_config=config
    )


def child_main(args: list[str]) -> None:
    kind, instance, *rest = args
    with TreeMemory() as memory:
        if kind == "badges":
            layout, count, workers = rest
            result = child_badges(
                instance, layout, int(count), None if workers == "auto" else int(workers)
            )
        elif kind == "onedoc":
            result = child_onedoc(instance, rest[0], int(rest[1]))
        elif kind == "baseline":
            result = child_baseline(instance, int(rest[0]))
        else:
            result = child_programme(instance)
    result["tree_pss_mb"] = memory.peak_pss
    result["tree_rss_mb"] = memory.peak_rss
    usage_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["maxrss_mb"] = max(usage_self, usage_children) / 1024
    result["maxrss_self_mb"] = usage_self / 1024
    result["maxrss_workers_mb"] = usage_children / 1024
    print("RESULT " + json.dumps(result))


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=900,
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[7:])


# --- setup ------------------------------------------------------------------------------------


def prepare(instance: Path) -> None:
    """A fresh SQLite database with the demo, an organiser, and the people for the baseline."""
    os.environ["EVENTAPP_INSTANCE_PATH"] = str(instance)
    from eventapp import create_app
    from eventapp.auth.services import create_user
    from eventapp.demo.loader import load_demo
    from eventapp.extensions import db
    from eventapp.models import Event, UserRole
    from eventapp.printing.badges import checkin_url
    from eventapp.web.public_url import DEVELOPMENT_BASE_URL

    app = create_app({"PUBLIC_BASE_URL": DEVELOPMENT_BASE_URL})
    with app.app_context():
        db.create_all()
        event = load_demo()
        user = create_user("bench@example.org", "bench password 123", UserRole.ADMIN)
        event.managers.append(user)
        db.session.commit()
        event = db.session.scalar(db.select(Event))
        people = [
            {"name": r.full_name, "org": r.organisation, "url": checkin_url(r)}
            for r in event.registrations
        ]
        (instance / "people.json").write_text(json.dumps(people))
        first = event.registrations[0].id
        db.session.remove()
        db.engine.dispose()
    (instance / "first_id").write_text(str(first))


#: Seconds between gunicorn answering and the first reprint.
SETTLE = 5


def reprints(instance: Path, runs: int) -> dict:
    """A one-badge reprint through gunicorn: log in, then time the organiser page's POST."""
    from eventapp.testing import gunicorn

    with gunicorn({"EVENTAPP_INSTANCE_PATH": str(instance)}, workers=1) as server:
        base = server.url
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        # A server at the door has been up a while: its worker has loaded the printing
        # fonts (gunicorn.conf.py starts that as the worker starts; about a second).
        time.sleep(SETTLE)

        def token(path: str) -> str:
            page = opener.open(base + path, timeout=30).read().decode()
            return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

        login = urllib.parse.urlencode(
            {
                "email": "bench@example.org",
                "password": "bench password 123",
                "csrf_token": token("/login"),
            }
        ).encode()
        opener.open(base + "/login", login, timeout=30).read()
        slug = "mieux-impact-2024"
        csrf = token(f"/manage/events/{slug}/badges")
        form = urllib.parse.urlencode(
            {
                "csrf_token": csrf,
                "layout": "single",
                "which": "one",
                "sort": "family_name",
                "registration_id": (instance / "first_id").read_text(),
            }
        ).encode()
        times, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            response = opener.open(f"{base}/manage/events/{slug}/badges/print", form, timeout=60)
            body = response.read()
            times.append(time.perf_counter() - start)
            assert body[:5] == b"%PDF-", body[:200]
            size = len(body)
        return {"first": times[0], "median": statistics.median(times[1:] or times), "bytes": size}


# --- report ----------------------------------------------------------------------------------


def medians(results: list[dict]) -> dict:
    return {
        key: statistics.median(r[key] for r in results)
        for key in results[0]
        if isinstance(results[0][key], int | float)
    }


def median_of(runs: int, *args: str) -> dict:
    return medians([run_child(*args) for _ in range(runs)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="10,100,1000")
    parser.add_argument("--reprints", type=int, default=15)
    parser.add_argument(
        "--no-onedoc",
        action="store_true",
        help="skip the one-document renders the size target compares with",
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-badges-") as tmp:
        instance = Path(tmp)
        prepare(instance)
        print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores\n")
        print(
            f"{'what':<30}{'N':>6}{'seconds':>9}{'badges/s':>10}{'peak MB':>9}"
            f"{'RSS MB':>8}{'size KB':>9}{'t/base':>8}{'KB/base':>8}{'KB/1doc':>8}"
        )
        largest = max(counts)
        onedoc = {}
        if not args.no_onedoc:
            # Deterministic in size: one run is enough.
            for layout in LAYOUTS:
                onedoc[layout] = run_child("onedoc", str(instance), layout, str(largest))
        baseline = {}
        for count in counts:
            # Round by round, the baseline then each layout: when other work slows the
            # machine down for a while, it slows a round's runs alike, and the time ratio
            # (the median of the rounds' ratios) stays fair.
            rounds = []
            for _ in range(args.runs):
                row = {"baseline": run_child("baseline", str(instance), str(count))}
                for layout in LAYOUTS:
                    row[layout] = run_child("badges", str(instance), layout, str(count), "auto")
                rounds.append(row)
            baseline[count] = medians([row["baseline"] for row in rounds])
            report("baseline (bare WeasyPrint)", count, baseline[count], None)
            for layout in LAYOUTS:
                result = medians([row[layout] for row in rounds])
                result["ratio"] = statistics.median(
                    row[layout]["seconds"] / row["baseline"]["seconds"] for row in rounds
                )
                report(
                    layout,
                    count,
                    result,
                    baseline[count],
                    onedoc.get(layout) if count == largest else None,
                )
        for layout, result in onedoc.items():
            report(f"{layout}, one document", largest, result, baseline[largest])
        if 1000 in counts:
            result = median_of(args.runs, "badges", str(instance), "single", "1000", "1")
            report("single, one process", 1000, result, baseline[1000], onedoc.get("single"))
        reprint = reprints(instance, args.reprints)
        print(
            f"\nreprint of one badge through gunicorn: first {reprint['first'] * 1000:.0f} ms,"
            f" then median {reprint['median'] * 1000:.0f} ms ({reprint['bytes'] / 1024:.0f} KB)"
        )
        if (ROOT / "eventapp" / "printing" / "programme.py").exists():
            try:
                result = median_of(args.runs, "programme", str(instance))
                print(
                    f"demo programme: {result.get('seconds', 0):.2f} s "
                    f"(the first in a fresh process {result.get('first', 0):.2f} s), "
                    f"{result.get('tree_pss_mb', 0):.0f} MB peak, "
                    f"{result.get('bytes', 0) / 1024:.0f} KB"
                )
            except (subprocess.CalledProcessError, StopIteration) as exc:
                print(f"demo programme: not measured ({exc})")
        else:
            print("demo programme: eventapp/printing/programme.py does not exist yet")
        print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")


def report(
    what: str, count: int, result: dict, baseline: dict | None, onedoc: dict | None = None
) -> None:
    ratio = result.get("ratio") or (result["seconds"] / baseline["seconds"] if baseline else None)
    ratio = f"{ratio:>8.2f}" if ratio else f"{'':>8}"
    size = f"{result['bytes'] / baseline['bytes']:>8.2f}" if baseline else f"{'':>8}"
    one = f"{result['bytes'] / onedoc['bytes']:>8.2f}" if onedoc else f"{'':>8}"
    print(
        f"{what:<30}{count:>6}{result['seconds']:>9.2f}{count / result['seconds']:>10.0f}"
        f"{result['tree_pss_mb']:>9.0f}{result['tree_rss_mb']:>8.0f}"
        f"{result['bytes'] / 1024:>9.0f}{ratio}{size}{one}",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
