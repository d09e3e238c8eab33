"""How fast badges print, how much memory it takes and how big the PDF is, against a bare
WeasyPrint baseline.

Loads the demo (107 registrations) into a fresh SQLite database and prints 10, 100 and 1,000
badges per layout (the registrations repeated to reach the count), each run in a child
process of its own so its peak memory (maxrss, its worker processes included) is its own.
In the same run, the baseline: one bare WeasyPrint document of minimal badges in one
process, same fonts, inline-SVG QR codes, no app code. Then a one-badge reprint through the
running web app (gunicorn on 127.0.0.1, the organiser page's POST), and the demo programme
if eventapp/printing/programme.py exists. Medians of --runs runs.

    .venv/bin/python bench/badges.py [--runs 3] [--counts 10,100,1000] [--reprints 15]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LAYOUTS = ("a6-sheet", "a6-folded", "single")


# --- children: one measurement each --------------------------------------------------------

def child_app(instance: str):
    os.environ["EVENTAPP_INSTANCE_PATH"] = instance
    from eventapp import create_app

    return create_app()


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
    render = next((getattr(programme, name) for name in
                   ("render_programme", "programme_pdf", "render_pdf", "render")
                   if callable(getattr(programme, name, None))), None)
    if render is None:
        return {"skipped": "no render function found in eventapp.printing.programme"}
    with app.app_context(), app.test_request_context():
        event = db.session.scalar(select(Event))
        start = time.perf_counter()
        pdf = render(event)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": len(pdf)}


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
    import html

    import segno
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    os.environ["EVENTAPP_INSTANCE_PATH"] = instance
    people = json.loads((Path(instance) / "people.json").read_text())
    people = (people * (count // len(people) + 1))[:count]
    fonts = (ROOT / "static" / "fonts").as_uri()
    families = ("Georgian", "Armenian", "Arabic", "Hebrew", "Thai", "Devanagari")
    scripts = "\n".join(
        f'@font-face {{ font-family: "Noto Sans {f}"; font-weight: {w}; '
        f'src: url({fonts}/NotoSans{f}-{s}.ttf); }}'
        for f in families for w, s in ((400, "Regular"), (700, "Bold")))
    stack = ", ".join(['"Noto Sans"'] + [f'"Noto Sans {f}"' for f in families])
    start = time.perf_counter()
    config = FontConfiguration()
    css = CSS(string=BASELINE_CSS % {"fonts": fonts, "scripts": scripts, "stack": stack},
              font_config=config)
    body = "".join(
        f'<div class="b"><p class="n">{html.escape(p["name"])}</p>'
        f'<p class="o">{html.escape(p["org"])}</p>'
        f'<div class="q">{segno.make(p["url"], error="m").svg_inline(scale=1)}</div>'
        f'<p class="c">PARTICIPANT</p></div>' for p in people)
    pdf = HTML(string=f"<html><body>{body}</body></html>").write_pdf(
        stylesheets=[css], font_config=config)
    return {"seconds": time.perf_counter() - start, "bytes": len(pdf)}


def child_main(args: list[str]) -> None:
    kind, instance, *rest = args
    if kind == "badges":
        layout, count, workers = rest
        result = child_badges(instance, layout, int(count),
                              None if workers == "auto" else int(workers))
    elif kind == "baseline":
        result = child_baseline(instance, int(rest[0]))
    else:
        result = child_programme(instance)
    usage_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["maxrss_mb"] = max(usage_self, usage_children) / 1024
    result["maxrss_self_mb"] = usage_self / 1024
    result["maxrss_workers_mb"] = usage_children / 1024
    print("RESULT " + json.dumps(result))


def run_child(*args: str) -> dict:
    out = subprocess.run([PYTHON, __file__, "--child", *args], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=900)
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

    app = create_app()
    with app.app_context():
        db.create_all()
        event = load_demo()
        user = create_user("bench@example.org", "bench password 123", UserRole.ADMIN)
        event.managers.append(user)
        db.session.commit()
        event = db.session.scalar(db.select(Event))
        people = [{"name": r.full_name, "org": r.organisation, "url": checkin_url(r)}
                  for r in event.registrations]
        (instance / "people.json").write_text(json.dumps(people))
        first = event.registrations[0].id
        db.session.remove()
        db.engine.dispose()
    (instance / "first_id").write_text(str(first))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reprints(instance: Path, runs: int) -> dict:
    """A one-badge reprint through gunicorn: log in, then time the organiser page's POST."""
    port = free_port()
    env = {**os.environ, "EVENTAPP_INSTANCE_PATH": str(instance)}
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
         "eventapp:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        for _ in range(100):
            try:
                opener.open(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)

        def token(path: str) -> str:
            page = opener.open(base + path, timeout=30).read().decode()
            return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

        login = urllib.parse.urlencode({"email": "bench@example.org",
                                        "password": "bench password 123",
                                        "csrf_token": token("/login")}).encode()
        opener.open(base + "/login", login, timeout=30).read()
        slug = "mieux-impact-2024"
        csrf = token(f"/manage/events/{slug}/badges")
        form = urllib.parse.urlencode({
            "csrf_token": csrf, "layout": "single", "which": "one", "sort": "family_name",
            "registration_id": (instance / "first_id").read_text()}).encode()
        times, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            response = opener.open(f"{base}/manage/events/{slug}/badges/print", form, timeout=60)
            body = response.read()
            times.append(time.perf_counter() - start)
            assert body[:5] == b"%PDF-", body[:200]
            size = len(body)
        return {"first": times[0], "median": statistics.median(times[1:] or times),
                "bytes": size}
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- report ----------------------------------------------------------------------------------

def median_of(runs: int, *args: str) -> dict:
    results = [run_child(*args) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results)
            for key in results[0] if isinstance(results[0][key], int | float)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="10,100,1000")
    parser.add_argument("--reprints", type=int, default=15)
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-badges-") as tmp:
        instance = Path(tmp)
        prepare(instance)
        print(f"{'what':<30}{'N':>6}{'seconds':>9}{'badges/s':>10}{'peak MB':>9}"
              f"{'size KB':>9}{'t/base':>8}{'KB/base':>8}")
        baseline = {}
        for count in counts:
            baseline[count] = median_of(args.runs, "baseline", str(instance), str(count))
            report("baseline (bare WeasyPrint)", count, baseline[count], None)
        for layout in LAYOUTS:
            for count in counts:
                result = median_of(args.runs, "badges", str(instance), layout, str(count),
                                   "auto")
                report(layout, count, result, baseline[count])
        if 1000 in counts:
            result = median_of(args.runs, "badges", str(instance), "single", "1000", "1")
            report("single, one process", 1000, result, baseline[1000])
        reprint = reprints(instance, args.reprints)
        print(f"\nreprint of one badge through gunicorn: first {reprint['first'] * 1000:.0f} ms,"
              f" then median {reprint['median'] * 1000:.0f} ms ({reprint['bytes'] / 1024:.0f} KB)")
        if (ROOT / "eventapp" / "printing" / "programme.py").exists():
            try:
                result = median_of(args.runs, "programme", str(instance))
                print(f"demo programme: {result.get('seconds', 0):.2f} s, "
                      f"{result.get('maxrss_mb', 0):.0f} MB peak, "
                      f"{result.get('bytes', 0) / 1024:.0f} KB")
            except (subprocess.CalledProcessError, StopIteration) as exc:
                print(f"demo programme: not measured ({exc})")
        else:
            print("demo programme: eventapp/printing/programme.py does not exist yet")


def report(what: str, count: int, result: dict, baseline: dict | None) -> None:
    ratio = f"{result['seconds'] / baseline['seconds']:>8.2f}" if baseline else f"{'':>8}"
    size = f"{result['bytes'] / baseline['bytes']:>8.2f}" if baseline else f"{'':>8}"
    print(f"{what:<30}{count:>6}{result['seconds']:>9.2f}{count / result['seconds']:>10.0f}"
          f"{result['maxrss_mb']:>9.0f}{result['bytes'] / 1024:>9.0f}{ratio}{size}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
